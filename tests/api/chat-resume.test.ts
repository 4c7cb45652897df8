import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { prisma } from "../../lib/db/client";
import { interruptOrphanedAnswers } from "../../lib/db/queries/answers";
import { appendMessage } from "../../lib/db/queries/messages";
import { ensureChat } from "../../lib/db/queries/chats";
import { parseSse, readSse, startTestApp, streamedText, uiChunks, waitFor, type SseEvent, type TestApp, type TestUser } from "../helpers/app";
import { BACKENDS } from "../helpers/db";
import { redisTitle, redisUp, testRedisUrl } from "../helpers/redis";
import { metrics } from "../../lib/telemetry/metrics";
import { streamStore } from "../../lib/chat/streams";
import { flushTraces } from "../../lib/telemetry/trace-writer";

async function metric(name: string, labels: Record<string, string> = {}): Promise<number> {
  const found = (await metrics().registry.getSingleMetric(name)?.get())?.values ?? [];
  return found.filter((v) => Object.entries(labels).every(([k, value]) => v.labels[k] === value)).reduce((sum, v) => sum + v.value, 0);
}

/**
 * Answers owned by the server: they outlive the request, replay from any
 * event, stop from anywhere, never run twice for one send, checkpoint while
 * they stream, and are marked interrupted when their process dies. On both
 * databases, with the in-process stream store and with Redis.
 */

const send = (user: TestUser, chatId: string, text: string, clientId = randomUUID(), init: RequestInit = {}) =>
  user.fetch("/api/chat", {
    ...init,
    method: "POST",
    json: { id: chatId, message: { id: clientId, role: "user", parts: [{ type: "text", text }] } },
  });

async function stored(chatId: string) {
  const db = await prisma();
  return db.message.findMany({ where: { chatId }, orderBy: { seq: "asc" } });
}

const textOf = (message: { parts: unknown }) => (message.parts as Array<{ type: string; text?: string }>).find((p) => p.type === "text")?.text ?? "";

/** Reads SSE events until `until` says stop (the connection is then dropped, as a reload would). */
async function readUntil(response: Response, until: (events: SseEvent[]) => boolean): Promise<SseEvent[]> {
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += decoder.decode(value, { stream: true });
    const complete = buffer.slice(0, buffer.lastIndexOf("\n\n") + 2);
    const events = parseSse(complete).filter((e) => e.data !== "");
    if (until(events)) {
      await reader.cancel();
      return events;
    }
  }
  return parseSse(buffer).filter((e) => e.data !== "");
}

const STORES = [
  { name: "in-process stream store", env: { REDIS_URL: "" }, skip: false },
  { name: `Redis stream store (${redisTitle})`, env: { REDIS_URL: testRedisUrl }, skip: !redisUp },
];

for (const backend of BACKENDS) {
  for (const store of STORES) {
    const missingPostgres = backend === "postgres" && !process.env.TEST_DATABASE_URL;
    describe.skipIf(missingPostgres || store.skip)(
      `answers that outlive the request on ${backend}${missingPostgres ? " (skipped: TEST_DATABASE_URL not set)" : ""}, ${store.name}`,
      () => {
        let app: TestApp;
        let user: TestUser;
        let other: TestUser;

        beforeAll(async () => {
          app = await startTestApp(backend, { ...store.env, ANSWER_CHECKPOINT_MS: "200" });
          user = await app.user();
          other = await app.user();
        });
        afterAll(async () => {
          await app.close();
          delete process.env.REDIS_URL;
        });
        beforeEach(() => {
          app.fake.reset();
          app.fake.rules.push({ match: "short title", anywhere: true, reply: "A title" });
        });

        const words = (n: number, tag: string) => Array.from({ length: n }, (_, i) => `${tag}${i + 1}`).join(" ");

        it("replays from the start and from every Last-Event-ID: the resumed text is the stored text, byte for byte", async () => {
          const chatId = randomUUID();
          const reply = words(60, "w");
          app.fake.rules.unshift({ match: "replaymarker", reply, tokensPerSec: 80 });
          const first = await readUntil(await send(user, chatId, "replaymarker please"), (events) => streamedText(events).includes("w10 "));
          // Gone (a reload). The answer goes on; come back from where the first connection stopped…
          const lastSeen = first.at(-1)!.id!;
          const resumed = await readSse(await user.fetch(`/api/chat/${chatId}/stream`, { headers: { "last-event-id": String(lastSeen) } }));
          expect(resumed[0]!.id).toBe(lastSeen + 1);
          const ids = [...first, ...resumed].map((e) => e.id).filter((id) => id !== undefined);
          expect(ids).toEqual(ids.map((_, i) => i + 1)); // none lost, none repeated
          const answer = (await stored(chatId)).find((m) => m.role === "assistant")!;
          expect(answer.status).toBe("complete");
          expect(streamedText([...first, ...resumed])).toBe(textOf(answer));
          expect(textOf(answer)).toBe(reply);
          // …and from the very start, after it ended (kept for STREAM_RETENTION_SECONDS): the same again.
          const replay = await readSse(await user.fetch(`/api/chat/${chatId}/stream`));
          expect(streamedText(replay)).toBe(reply);
          expect(uiChunks(replay).at(-1)).toMatchObject({ type: "finish" });
          // From every point: each suffix is exactly the rest.
          for (const from of [1, 3, Math.floor(replay.length / 2), replay.length - 2]) {
            const suffix = await readSse(await user.fetch(`/api/chat/${chatId}/stream`, { headers: { "last-event-id": String(from) } }));
            expect(suffix.map((e) => e.id)).toEqual(replay.slice(from).map((e) => e.id));
          }
        });

        it("answers 204 when nothing is being generated, and 404 for another user's chat", async () => {
          const chatId = randomUUID();
          await readSse(await send(user, chatId, "hello there"));
          expect((await user.fetch(`/api/chat/${randomUUID()}/stream`)).status).toBe(404);
          expect((await other.fetch(`/api/chat/${chatId}/stream`)).status).toBe(404);
          expect((await other.fetch(`/api/chat/${chatId}/stop`, { method: "POST" })).status).toBe(404);
          const empty = randomUUID();
          await ensureChat(user.id, empty, "Empty");
          expect((await user.fetch(`/api/chat/${empty}/stream`)).status).toBe(204);
        });

        it("Stop aborts the model upstream, wherever it is asked, and stores the text so far as partial", async () => {
          const chatId = randomUUID();
          app.fake.rules.unshift({ match: "stopmarker", reply: words(200, "s"), tokensPerSec: 40 });
          const response = await send(user, chatId, "stopmarker now");
          const seen = await readUntil(response, (events) => streamedText(events).includes("s5 "));
          // The stop comes from another connection (a second tab), not from the one streaming.
          const stop = await user.fetch(`/api/chat/${chatId}/stop`, { method: "POST" });
          expect(await stop.json()).toEqual({ stopped: true });
          const upstream = await waitFor(async () => app.fake.requests.find((r) => r.aborted && JSON.stringify(r.body).includes("stopmarker")));
          expect(upstream.completed).toBe(false);
          const answer = (await stored(chatId)).find((m) => m.role === "assistant")!;
          expect(answer.status).toBe("partial");
          expect(textOf(answer).startsWith(streamedText(seen).trim().split(" ").slice(0, 4).join(" "))).toBe(true);
          expect(textOf(answer).split(" ").length).toBeLessThan(200);
          const replay = uiChunks(await readSse(await user.fetch(`/api/chat/${chatId}/stream`)));
          expect(replay.at(-1)).toMatchObject({ type: "finish", messageMetadata: { status: "partial" } });
          expect((await user.fetch(`/api/chat/${chatId}/stop`, { method: "POST" }).then((r) => r.json()))).toEqual({ stopped: false });
        });

        it("the same message sent twice at once makes one model call and one answer; both see it", async () => {
          const chatId = randomUUID();
          const clientId = randomUUID();
          app.fake.rules.unshift({ match: "dupmarker", reply: words(20, "d"), tokensPerSec: 100 });
          const [a, b] = await Promise.all([send(user, chatId, "dupmarker twice", clientId), send(user, chatId, "dupmarker twice", clientId)]);
          const [ea, eb] = await Promise.all([readSse(a), readSse(b)]);
          expect(streamedText(ea)).toBe(words(20, "d"));
          expect(streamedText(eb)).toBe(words(20, "d"));
          expect(app.fake.requests.filter((r) => JSON.stringify(r.body).includes("dupmarker") && r.body.stream)).toHaveLength(1);
          const messages = await stored(chatId);
          expect(messages.map((m) => m.role)).toEqual(["user", "assistant"]);
        });

        it("a retry of a send that was already answered gets that answer again, not a second model call", async () => {
          const chatId = randomUUID();
          const clientId = randomUUID();
          app.fake.rules.unshift({ match: "retrymarker", reply: words(12, "r") });
          expect(streamedText(await readSse(await send(user, chatId, "retrymarker once", clientId)))).toBe(words(12, "r"));
          // The response was lost on the way; the client sends the very same message again.
          const again = uiChunks(await readSse(await send(user, chatId, "retrymarker once", clientId)));
          expect(again.filter((c) => c.type === "text-delta").map((c) => c.delta).join("")).toBe(words(12, "r"));
          expect(again.at(-1)).toMatchObject({ type: "finish", messageMetadata: { status: "complete" } });
          // Long after, when the store has forgotten the stream: rebuilt from the stored answer.
          const answerId = (await stored(chatId)).find((m) => m.role === "assistant")!.id;
          streamStore().end(answerId, 0);
          await streamStore().flush();
          const later = await readSse(await send(user, chatId, "retrymarker once", clientId));
          expect(streamedText(later)).toBe(words(12, "r"));
          expect(app.fake.requests.filter((r) => JSON.stringify(r.body).includes("retrymarker") && r.body.stream)).toHaveLength(1);
          expect((await stored(chatId)).map((m) => m.role)).toEqual(["user", "assistant"]);
        });

        it("a different message while an answer runs gets 409, and the running answer is untouched", async () => {
          const chatId = randomUUID();
          app.fake.rules.unshift({ match: "busymarker", reply: words(30, "b"), tokensPerSec: 60 });
          const running = await send(user, chatId, "busymarker one");
          const second = await send(user, chatId, "something else");
          expect(second.status).toBe(409);
          expect(((await second.json()) as { error: { message: string } }).error.message).toMatch(/still being written/);
          expect(streamedText(await readSse(running))).toBe(words(30, "b"));
        });

        it("checkpoints the text while it streams, with status streaming", async () => {
          const chatId = randomUUID();
          app.fake.rules.unshift({ match: "checkmarker", reply: words(80, "c"), tokensPerSec: 40 });
          const response = await send(user, chatId, "checkmarker go");
          const checkpoint = await waitFor(async () => {
            const answer = (await stored(chatId)).find((m) => m.role === "assistant");
            return answer?.status === "streaming" && textOf(answer).includes("c5") ? answer : null;
          }, 10_000);
          expect(checkpoint.leaseExpiresAt).not.toBeNull();
          expect(words(80, "c").startsWith(textOf(checkpoint))).toBe(true);
          await readSse(response);
          const done = (await stored(chatId)).find((m) => m.role === "assistant")!;
          expect(done).toMatchObject({ status: "complete", leaseOwner: null, leaseExpiresAt: null });
        });

        it("counts resumes, reconnects and stops, and leaves no model request open", async () => {
          const before = { resume: await metric("parley_answer_stream_events_total", { event: "resume" }), stop: await metric("parley_answer_stream_events_total", { event: "stop" }) };
          const chatId = randomUUID();
          app.fake.rules.unshift({ match: "countmarker", reply: words(100, "k"), tokensPerSec: 50 });
          const response = await send(user, chatId, "countmarker");
          await readUntil(response, (events) => streamedText(events).includes("k3 "));
          await readUntil(await user.fetch(`/api/chat/${chatId}/stream`), (events) => streamedText(events).includes("k4 "));
          await user.fetch(`/api/chat/${chatId}/stop`, { method: "POST" });
          expect(await metric("parley_answer_stream_events_total", { event: "resume" })).toBe(before.resume + 1);
          expect(await metric("parley_answer_stream_events_total", { event: "stop" })).toBe(before.stop + 1);
          // Every model request this suite started has ended: none is left burning GPU time.
          await waitFor(async () => (await metric("parley_upstream_requests_open")) === 0, 10_000);
          // Each resume is a traced request: the dashboard shows how long a coming-back client waited for its first event.
          await flushTraces();
          const db = await prisma();
          const resumes = await db.requestTrace.findMany({ where: { kind: "resume", chatId }, include: { stages: true } });
          expect(resumes).toHaveLength(1);
          expect(resumes[0]!.stages.map((stage) => stage.name).sort()).toEqual(["auth", "first_replay"]);
          expect(resumes[0]!.userId).toBe(user.id);
          const report = (await (await user.fetch("/api/performance?kind=resume&range=1h")).json()) as { overview: { requests: number } };
          expect(report.overview.requests).toBeGreaterThanOrEqual(1);
        });

        it("marks answers of dead owners interrupted with their checkpointed text, and leaves live ones alone", async () => {
          const chatId = randomUUID();
          await ensureChat(user.id, chatId, "Crashed");
          await appendMessage(chatId, { role: "user", parts: [{ type: "text", text: "before the crash" }] });
          const dead = randomUUID();
          const alive = randomUUID();
          await appendMessage(chatId, { id: dead, role: "assistant", parts: [{ type: "text", text: "half an ans" }], status: "streaming", lease: { owner: "dead-process", ms: 1 } });
          await appendMessage(chatId, { id: alive, role: "assistant", parts: [{ type: "text", text: "still going" }], status: "streaming", lease: { owner: "live-process", ms: 600_000 } });
          await new Promise((resolve) => setTimeout(resolve, 20));
          expect(await interruptOrphanedAnswers()).toBe(1);
          const rows = await stored(chatId);
          expect(rows.find((m) => m.id === dead)).toMatchObject({ status: "interrupted", parts: [{ type: "text", text: "half an ans" }] });
          expect(rows.find((m) => m.id === alive)).toMatchObject({ status: "streaming" });
          // The embedded database's start: every owner but this process is dead.
          expect(await interruptOrphanedAnswers({ exceptOwner: "this-process" })).toBe(1);
          expect((await stored(chatId)).find((m) => m.id === alive)).toMatchObject({ status: "interrupted", parts: [{ type: "text", text: "still going" }] });
        });
      },
    );
  }
}
