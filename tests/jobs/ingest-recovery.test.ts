import { afterEach, expect, it } from "vitest";
import { createUser } from "../../lib/auth/users";
import { database, useDatabase } from "../../lib/db/client";
import { documentView } from "../../lib/db/queries/documents";
import { checkHealth } from "../../lib/health";
import { stopJobs } from "../../lib/jobs/boss";
import { uploadDocuments } from "../../lib/rag/documents";
import { ingestWorkerStatus, stopIngestWorker, superviseIngestWorker } from "../../lib/rag/ingest/queue";
import { startFakeLlm, type FakeLlm } from "../fake-llm/server";
import { waitFor } from "../helpers/app";
import { describeEachBackend } from "../helpers/db";
import { downAtStart, type StartupOutage } from "../helpers/outage";

describeEachBackend("the ingestion worker when the database is down at start", (backend) => {
  let outage: StartupOutage | undefined;
  let fake: FakeLlm | undefined;
  const KEYS = ["DATABASE_URL", "DATA_DIR", "LLM_BASE_URL", "LLM_MODEL", "EMBEDDINGS_DOWNLOAD"];
  const saved = Object.fromEntries(KEYS.map((key) => [key, process.env[key]]));

  afterEach(async () => {
    await stopIngestWorker();
    await stopJobs();
    await (await database().catch(() => undefined))?.close();
    useDatabase(undefined);
    await outage?.cleanup();
    await fake?.close();
    for (const [key, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  });

  it("retries until the database is reachable, then ingests; health says it is not running meanwhile", async () => {
    // PostgreSQL behind a port that refuses connections, or an embedded database folder another live process holds.
    outage = await downAtStart(backend);
    fake = await startFakeLlm();
    Object.assign(process.env, outage.env, { LLM_BASE_URL: fake.url, LLM_MODEL: "fake-model", EMBEDDINGS_DOWNLOAD: "0" });
    useDatabase(undefined);

    superviseIngestWorker();
    // Two failed starts: it keeps trying rather than giving up.
    await waitFor(async () => ingestWorkerStatus().failures >= 2, 30_000);
    const down = await checkHealth();
    expect(down.ingestion.running).toBe(false);
    const reason = down.reasons.find((r) => r.startsWith("Ingestion worker:"));
    expect(reason).toMatch(backend === "postgres" ? /^Ingestion worker: not running \(.*ECONNREFUSED/ : /^Ingestion worker: not running \(.*in use by process/);
    expect(down.ingestion.error).toBeDefined();

    await outage.end();
    await waitFor(async () => ingestWorkerStatus().running, 60_000);
    const up = await checkHealth();
    expect(up.ingestion).toEqual({ running: true });
    expect(up.reasons.filter((r) => r.startsWith("Ingestion worker:"))).toEqual([]);

    // And it really works: an upload is ingested.
    const user = await createUser({ email: `recovery-${Date.now()}@example.com`, password: "correct horse battery" });
    const { accepted } = await uploadDocuments(user, [{ name: "notes.md", bytes: new TextEncoder().encode("# Notes\n\nThe pump is checked on Tuesdays.") }]);
    const indexed = await waitFor(async () => {
      const view = await documentView(accepted[0]!.id);
      return view?.status === "indexed" ? view : undefined;
    }, 30_000);
    expect(indexed.chunkCount).toBeGreaterThan(0);
  }, 120_000);
});
