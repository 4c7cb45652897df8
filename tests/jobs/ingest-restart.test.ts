import { spawn, type ChildProcess } from "node:child_process";
import { afterEach, expect, it } from "vitest";
import { openDatabase, useDatabase, type Database } from "../../lib/db/client";
import { documentView } from "../../lib/db/queries/documents";
import { stopJobs } from "../../lib/jobs/boss";
import { startIngestWorker, stopIngestWorker } from "../../lib/rag/ingest/queue";
import { waitFor } from "../helpers/app";
import { childDatabase, describeEachBackend } from "../helpers/db";
import { startFakeLlm, type FakeLlm } from "../fake-llm/server";

describeEachBackend("ingestion survives a crash", (backend) => {
  let child: ChildProcess | undefined;
  let db: Database | undefined;
  let fake: FakeLlm | undefined;
  const cleanups: Array<() => Promise<unknown>> = [];

  afterEach(async () => {
    child?.kill("SIGKILL");
    await stopIngestWorker();
    await stopJobs();
    useDatabase(undefined);
    await db?.close();
    await fake?.close();
    for (const cleanup of cleanups.splice(0)) await cleanup();
  });

  it("a document whose worker was killed mid-ingestion is finished by the next start", async () => {
    const location = await childDatabase(backend, cleanups, "restart");
    const env: NodeJS.ProcessEnv = { ...process.env, ...location.env, EMBEDDINGS_DOWNLOAD: "0", KB_JOB_HEARTBEAT_SECONDS: "10" };
    delete env.EMBEDDINGS_BASE_URL;
    // One process (node --import tsx), so SIGKILL hits the worker itself, as a crash would.
    child = spawn(process.execPath, ["--import", "tsx", "tests/helpers/ingest-child.ts"], { env });
    let output = "";
    child.stdout!.on("data", (chunk) => (output += chunk));
    child.stderr!.on("data", (chunk) => (output += chunk));
    const [, documentId] = (await waitFor(async () => /UPLOADED (\S+) (\S+)/.exec(output) ?? undefined, 60_000)).slice(1);
    // Kill it while it extracts the 300-page PDF.
    await waitFor(async () => output.includes("STATUS extracting"), 60_000);
    child.kill("SIGKILL");
    await new Promise((resolve) => child!.once("exit", resolve));
    expect(output).not.toContain("STATUS indexed");

    fake = await startFakeLlm();
    Object.assign(process.env, { EMBEDDINGS_BASE_URL: fake.url, EMBEDDINGS_MODEL: "fake-embed", KB_JOB_HEARTBEAT_SECONDS: "10" });
    db = await openDatabase(location.open);
    useDatabase(db);
    expect((await documentView(documentId!))?.status).toBe("extracting");
    await startIngestWorker();
    const done = await waitFor(async () => {
      const view = await documentView(documentId!);
      return view?.status === "indexed" ? view : undefined;
    }, 60_000);
    expect(done.embeddingModel).toBe(backend === "pglite" ? "fake-embed" : null); // no pgvector in the local PostgreSQL
    expect(done.pageCount).toBe(300);
    expect(done.chunkCount).toBeGreaterThan(0);
    delete process.env.EMBEDDINGS_BASE_URL;
    delete process.env.KB_JOB_HEARTBEAT_SECONDS;
  }, 120_000);
});
