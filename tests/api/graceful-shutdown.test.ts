import { spawn, type ChildProcess } from "node:child_process";
import { randomUUID } from "node:crypto";
import { afterAll, afterEach, beforeAll, expect, it } from "vitest";
import { openDatabase, type Database } from "../../lib/db/client";
import { startFakeLlm, type FakeLlm } from "../fake-llm/server";
import { streamedText, uiChunks, waitFor } from "../helpers/app";
import { childDatabase, describeEachBackend } from "../helpers/db";
import { otlpCollector } from "../helpers/otlp-collector";
import { followSse } from "../helpers/sse-follow";

/**
 * SIGTERM on a Parley process (a deploy, `docker stop`): it stops taking new
 * chat turns and says so on /api/health, lets running answers finish within
 * SHUTDOWN_DRAIN_SECONDS, stores those still running as "interrupted" with
 * their text, writes its queued traces and spans, and exits by itself. The
 * process is a real child (tests/helpers/shutdown-child.ts) started through
 * instrumentation.ts, on each database.
 */

let fake: FakeLlm;
/** Receives the spans the child exports. */
const collector = otlpCollector();

beforeAll(async () => {
  fake = await startFakeLlm();
  await collector.listen();
});
afterAll(async () => {
  await fake.close();
  await collector.close();
});

const words = (n: number, tag: string) => Array.from({ length: n }, (_, i) => `${tag}${i + 1}`).join(" ");

interface Child {
  url: string;
  key: string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  output: () => string;
  /** The child's database, opened once it has exited (PGlite allows one process at a time). */
  openDatabase(): Promise<Database>;
}

describeEachBackend("graceful shutdown", (backend) => {
  let child: ChildProcess | undefined;
  let db: Database | undefined;
  const cleanups: Array<() => Promise<unknown>> = [];

  afterEach(async () => {
    child?.kill("SIGKILL");
    await db?.close();
    db = undefined;
    for (const cleanup of cleanups.splice(0)) await cleanup();
  });

  async function startChild(env: Record<string, string>): Promise<Child> {
    const location = await childDatabase(backend, cleanups, "shutdown");
    const childEnv: NodeJS.ProcessEnv = {
      ...process.env,
      ...location.env,
      LLM_BASE_URL: fake.url,
      LLM_MODEL: "fake-model",
      EMBEDDINGS_DOWNLOAD: "0",
      EMBEDDINGS_BASE_URL: "",
      REDIS_URL: "",
      ANSWER_CHECKPOINT_MS: "200",
      ...env,
    };
    const started = spawn(process.execPath, ["--import", "tsx", "tests/helpers/shutdown-child.ts"], { env: childEnv });
    child = started;
    let output = "";
    started.stdout!.on("data", (chunk) => (output += chunk));
    started.stderr!.on("data", (chunk) => (output += chunk));
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      started.once("exit", (code, signal) => resolve({ code, signal })),
    );
    const [, url, key] = await waitFor(async () => /READY (\S+) (\S+)/.exec(output) ?? undefined, 60_000);
    // Ready to answer: the database is open and the (fake) model answers.
    await waitFor(async () => (await fetch(`${url}/api/health`)).status === 200, 60_000);
    return {
      url: url!,
      key: key!,
      exited,
      output: () => output,
      openDatabase: async () => (db = await openDatabase(location.open)),
    };
  }

  const send = (app: Child, chatId: string, text: string) =>
    fetch(`${app.url}/api/chat`, {
      method: "POST",
      headers: { authorization: `Bearer ${app.key}`, "content-type": "application/json" },
      body: JSON.stringify({ id: chatId, message: { id: randomUUID(), role: "user", parts: [{ type: "text", text }] } }),
    });

  it("refuses new turns and reports draining while a running answer finishes, stores it complete, flushes traces and spans, exits", async () => {
    const app = await startChild({ SHUTDOWN_DRAIN_SECONDS: "120", OTEL_EXPORTER_OTLP_ENDPOINT: collector.url() });
    const reply = words(200, "d");
    fake.rules.unshift({ match: "drainmarker", reply, tokensPerSec: 20 });
    const chatId = randomUUID();
    const response = await send(app, chatId, "drainmarker please");
    const requestId = response.headers.get("x-request-id")!;
    const answer = followSse(response);
    await waitFor(async () => streamedText(answer.events).includes("d3 "), 30_000);

    child!.kill("SIGTERM");
    // Health says why, to anyone (a load balancer is not an administrator).
    const health = await waitFor(async () => {
      const res = await fetch(`${app.url}/api/health`);
      return res.status === 503 ? res : undefined;
    }, 30_000);
    expect((await health.json()).reasons).toContain("Server: draining");
    // A new turn, in the UI's API and in the OpenAI-compatible one, is told to come back.
    const refused = await send(app, randomUUID(), "refusedmarker question");
    expect(refused.status).toBe(503);
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(0);
    expect((await refused.json()).error.message).toMatch(/shutting down/i);
    const v1 = await fetch(`${app.url}/v1/chat/completions`, {
      method: "POST",
      headers: { authorization: `Bearer ${app.key}`, "content-type": "application/json" },
      body: JSON.stringify({ model: "parley", messages: [{ role: "user", content: "refusedmarker too" }] }),
    });
    expect(v1.status).toBe(503);
    expect(v1.headers.get("retry-after")).not.toBeNull();

    // The running answer is not cut: the client gets all of it, then the process ends by itself.
    expect(await answer.ended).toBe(true);
    expect(streamedText(answer.events)).toBe(reply);
    expect(uiChunks(answer.events).at(-1)).toMatchObject({ type: "finish", messageMetadata: { status: "complete" } });
    expect(await app.exited).toEqual({ code: 0, signal: null });

    const stored = await (await app.openDatabase()).prisma.message.findFirstOrThrow({ where: { chatId, role: "assistant" } });
    expect(stored.status).toBe("complete");
    expect(textOf(stored.parts)).toBe(reply);
    // The answer's trace was still queued when the answer ended: written before the exit, and exported.
    const traces = await db!.prisma.requestTrace.findMany({ where: { id: requestId } });
    expect(traces.map((t) => [t.messageId, t.outcome])).toEqual([[stored.id, "ok"]]);
    expect(collector.spans().filter((span) => span.traceId === requestId.replaceAll("-", "")).map((span) => span.name)).toContain("parley.chat");
    // Only the one turn got to the model.
    expect(fake.requests.filter((r) => JSON.stringify(r.body).includes("refusedmarker"))).toEqual([]);
  }, 180_000);

  it("stores an answer the drain timeout cuts short as interrupted, with at least the text checkpointed before the signal", async () => {
    const app = await startChild({ SHUTDOWN_DRAIN_SECONDS: "1" });
    fake.rules.unshift({ match: "longmarker", reply: words(3000, "l"), tokensPerSec: 20 });
    const chatId = randomUUID();
    const response = await send(app, chatId, "longmarker please");
    const requestId = response.headers.get("x-request-id")!;
    const answer = followSse(response);
    // What the database held before the signal (read through the app: the checkpoint, not the stream).
    const checkpointed = await waitFor(async () => {
      const res = await fetch(`${app.url}/api/chats/${chatId}/messages`, { headers: { authorization: `Bearer ${app.key}` } });
      const { messages } = (await res.json()) as { messages: Array<{ role: string; parts: unknown; metadata: { status: string } }> };
      const stored = messages.find((m) => m.role === "assistant");
      return stored?.metadata.status === "streaming" && textOf(stored.parts).includes("l3 ") ? textOf(stored.parts) : undefined;
    }, 30_000);

    child!.kill("SIGTERM");
    expect(await app.exited).toEqual({ code: 0, signal: null });
    expect(await answer.ended).toBe(true);
    const chunks = uiChunks(answer.events);
    expect(chunks.at(-1)).toMatchObject({ type: "finish", messageMetadata: { status: "interrupted" } });
    expect(chunks.find((c) => c.type === "error")?.errorText).toMatch(/server stopped/i);
    // The model call was cancelled, not left running.
    expect(fake.requests.find((r) => JSON.stringify(r.body).includes("longmarker"))).toMatchObject({ aborted: true, completed: false });

    const stored = await (await app.openDatabase()).prisma.message.findFirstOrThrow({ where: { chatId, role: "assistant" } });
    expect(stored.status).toBe("interrupted");
    expect(stored.error).toMatch(/server stopped/i);
    expect(stored.leaseOwner).toBeNull();
    expect(textOf(stored.parts).startsWith(checkpointed)).toBe(true);
    expect(textOf(stored.parts)).toBe(streamedText(answer.events));
    const traces = await db!.prisma.requestTrace.findMany({ where: { id: requestId } });
    expect(traces.map((t) => [t.messageId, t.outcome])).toEqual([[stored.id, "aborted"]]);
  }, 180_000);
});

function textOf(parts: unknown): string {
  return (parts as Array<{ type: string; text?: string }>).find((p) => p.type === "text")?.text ?? "";
}
