import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createApiKey } from "../../lib/auth/api-keys";
import { createUser } from "../../lib/auth/users";
import { RedisStreamStore } from "../../lib/chat/streams/redis";
import type { StreamEvent } from "../../lib/chat/streams/types";
import { openDatabase, useDatabase, type Database } from "../../lib/db/client";
import { startFakeLlm, type FakeLlm } from "../fake-llm/server";
import { readSse, streamedText, uiChunks, waitFor, type SseEvent } from "../helpers/app";
import { createPostgresDatabase } from "../helpers/db";
import { startParleyProcess, type ParleyProcess } from "../helpers/parley-process";
import { redisTitle, redisUp, testRedisUrl, twoProcesses } from "../helpers/redis";
import { followSse } from "../helpers/sse-follow";

/**
 * Two real Parley processes, A and B, on one PostgreSQL database and one
 * Redis, as a deployment with several instances runs: an answer generated on
 * A can be watched, resumed and stopped from B, survives as `interrupted`
 * when A is killed (kill -9), and one send that reaches both at once is
 * answered once.
 */

const LEASE_MS = 2_000;
const CHECKPOINT_MS = 200;
const HEARTBEAT_MS = 1_000;

const missing = !process.env.TEST_DATABASE_URL ? "skipped: TEST_DATABASE_URL not set" : !redisUp ? redisTitle : "";

const words = (n: number, tag: string) => Array.from({ length: n }, (_, i) => `${tag}${i + 1}`).join(" ");
const textOf = (parts: unknown) => (parts as Array<{ type: string; text?: string }>).find((p) => p.type === "text")?.text ?? "";
/** Event ids 1, 2, 3…: none lost, none repeated. */
const ids = (events: SseEvent[]) => events.map((e) => e.id);
const numbered = (from: number, count: number) => Array.from({ length: count }, (_, i) => from + i);
/** A whole SSE response's events, without the heartbeat comments (STREAM_HEARTBEAT_MS is short here). */
const allEvents = async (response: Response) => (await readSse(response)).filter((e) => e.data !== "");

describe.skipIf(missing !== "")(`answers across two Parley instances (PostgreSQL + ${missing || redisTitle})`, () => {
  let db: Database;
  let drop: () => Promise<void>;
  let fake: FakeLlm;
  let key: string;
  let env: Record<string, string>;
  let a: ParleyProcess;
  let b: ParleyProcess;
  const processes: ParleyProcess[] = [];

  const start = async () => {
    const started = await startParleyProcess(env);
    processes.push(started);
    return started;
  };
  const send = (on: ParleyProcess, chatId: string, text: string, clientId = randomUUID()) =>
    on.fetch(key, "/api/chat", { method: "POST", json: { id: chatId, message: { id: clientId, role: "user", parts: [{ type: "text", text }] } } });
  const rows = (chatId: string) =>
    db.sql.query<{ id: string; role: string; status: string; parts: unknown }>(`SELECT id, role, status, parts FROM "Message" WHERE "chatId" = $1 ORDER BY seq`, [chatId]);
  const answer = async (chatId: string) => (await rows(chatId)).find((m) => m.role === "assistant");
  const modelCalls = (marker: string) => fake.requests.filter((r) => r.body.stream && JSON.stringify(r.body.messages).includes(marker));

  beforeAll(async () => {
    const created = await createPostgresDatabase();
    drop = created.drop;
    db = await openDatabase({ url: created.url });
    useDatabase(db);
    const user = await createUser({ email: `two-instances-${Date.now()}@example.com`, password: "correct horse battery" });
    key = (await createApiKey(user.id, "test")).key;
    fake = await startFakeLlm();
    env = {
      DATABASE_URL: created.url,
      REDIS_URL: testRedisUrl,
      LLM_BASE_URL: fake.url,
      LLM_MODEL: "fake-model",
      ANSWER_LEASE_MS: String(LEASE_MS),
      ANSWER_CHECKPOINT_MS: String(CHECKPOINT_MS),
      STREAM_HEARTBEAT_MS: String(HEARTBEAT_MS),
    };
    [a, b] = await Promise.all([start(), start()]);
  }, 120_000);

  afterAll(async () => {
    for (const started of processes) await started.kill();
    await fake?.close();
    useDatabase(undefined);
    await db?.close();
    await drop?.();
  });

  beforeEach(() => {
    fake.reset();
    fake.rules.push({ match: "short title", anywhere: true, reply: "A title" });
  });

  it("a turn started on A is followed live from B, from the start, to the stored text byte for byte", async () => {
    const chatId = randomUUID();
    const reply = words(60, "w");
    fake.rules.unshift({ match: "watchmarker", reply, tokensPerSec: 40 });
    const onA = followSse(await send(a, chatId, "watchmarker please"));
    await onA.waitFor((events) => streamedText(events).includes("w3 "));
    const onB = followSse(await b.fetch(key, `/api/chat/${chatId}/stream`));
    const firstOnB = await onB.waitFor((events) => events.length > 0);
    // B joined while A was still generating: what follows arrives live.
    expect(modelCalls("watchmarker")[0]!.completed).toBe(false);
    expect(firstOnB[0]!.id).toBe(1);
    expect(await onB.ended).toBe(true);
    expect(await onA.ended).toBe(true);
    const stored = (await answer(chatId))!;
    expect(stored.status).toBe("complete");
    expect(textOf(stored.parts)).toBe(reply);
    expect(streamedText(onB.events)).toBe(textOf(stored.parts));
    expect(ids(onB.events)).toEqual(numbered(1, onB.events.length));
    expect(onB.events).toEqual(onA.events);
    expect(uiChunks(onB.events).at(-1)).toMatchObject({ type: "finish" });
  });

  it("resuming on B with Last-Event-ID gives exactly the events after it", async () => {
    const chatId = randomUUID();
    const reply = words(60, "r");
    fake.rules.unshift({ match: "resumemarker", reply, tokensPerSec: 40 });
    const onA = followSse(await send(a, chatId, "resumemarker please"));
    const seen = [...(await onA.waitFor((events) => streamedText(events).includes("r5 ")))];
    await onA.cancel(); // A reload: the answer goes on without this connection.
    const lastSeen = seen.at(-1)!.id!;
    const resumed = await allEvents(await b.fetch(key, `/api/chat/${chatId}/stream`, { headers: { "last-event-id": String(lastSeen) } }));
    expect(ids(resumed)).toEqual(numbered(lastSeen + 1, resumed.length));
    const stored = (await answer(chatId))!;
    expect(stored.status).toBe("complete");
    expect(streamedText([...seen, ...resumed])).toBe(reply);
    expect(textOf(stored.parts)).toBe(reply);
    // The whole stream, replayed on B after the end, is the same events.
    const replay = await allEvents(await b.fetch(key, `/api/chat/${chatId}/stream`));
    expect(replay.slice(lastSeen)).toEqual(resumed);
    expect(modelCalls("resumemarker")).toHaveLength(1);
  });

  it("Stop sent to B stops the answer running on A: the model request is aborted, the answer is partial", async () => {
    const chatId = randomUUID();
    fake.rules.unshift({ match: "stopmarker", reply: words(300, "s"), tokensPerSec: 40 });
    const onA = followSse(await send(a, chatId, "stopmarker now"));
    await onA.waitFor((events) => streamedText(events).includes("s5 "));
    const stop = await b.fetch(key, `/api/chat/${chatId}/stop`, { method: "POST" });
    expect(await stop.json()).toEqual({ stopped: true });
    // Stop answers once the answer has ended: the partial answer is stored by then.
    const stored = (await answer(chatId))!;
    expect(stored.status).toBe("partial");
    const upstream = await waitFor(async () => modelCalls("stopmarker").find((r) => r.aborted));
    expect(upstream.completed).toBe(false);
    expect(await onA.ended).toBe(true);
    expect(uiChunks(onA.events).at(-1)).toMatchObject({ type: "finish", messageMetadata: { status: "partial" } });
    expect(words(300, "s").startsWith(textOf(stored.parts))).toBe(true);
    expect(textOf(stored.parts)).toContain("s5 ");
    expect(textOf(stored.parts).split(" ").length).toBeLessThan(300);
  });

  it("the same message sent to A and B at once makes one model call and one stored answer", async () => {
    const chatId = randomUUID();
    const clientId = randomUUID();
    const reply = words(20, "d");
    fake.rules.unshift({ match: "dupmarker", reply, tokensPerSec: 50 });
    const [onA, onB] = await Promise.all([send(a, chatId, "dupmarker twice", clientId), send(b, chatId, "dupmarker twice", clientId)]);
    expect([onA.status, onB.status]).toEqual([200, 200]);
    const [eventsA, eventsB] = await Promise.all([allEvents(onA), allEvents(onB)]);
    expect(streamedText(eventsA)).toBe(reply);
    expect(streamedText(eventsB)).toBe(reply);
    expect(modelCalls("dupmarker")).toHaveLength(1);
    const stored = await rows(chatId);
    expect(stored.map((m) => m.role)).toEqual(["user", "assistant"]);
    expect(textOf(stored[1]!.parts)).toBe(reply);
  });

  it("kill -9 of the instance generating an answer: B shows it interrupted with the checkpointed text, and B's stream ends", async () => {
    const victim = await start();
    const chatId = randomUUID();
    const reply = words(400, "k");
    fake.rules.unshift({ match: "killmarker", reply, tokensPerSec: 20 });
    const onVictim = followSse(await send(victim, chatId, "killmarker go"));
    await onVictim.waitFor((events) => streamedText(events).includes("k2 "));
    const onB = followSse(await b.fetch(key, `/api/chat/${chatId}/stream`));
    await onB.waitFor((events) => streamedText(events).includes("k8 "));
    // The text checkpointed so far, read just before the kill: the least the crash may keep.
    const checkpoint = await waitFor(async () => {
      const row = await answer(chatId);
      return row?.status === "streaming" && textOf(row.parts).includes("k6") ? textOf(row.parts) : undefined;
    }, 10_000);
    await victim.kill();

    // B's own view: the answer becomes interrupted once the lease lapses (B checks every half lease).
    const shown = await waitFor(async () => {
      const page = (await (await b.fetch(key, `/api/chats/${chatId}/messages`)).json()) as {
        messages: Array<{ role: string; parts: unknown; metadata: { status: string } }>;
      };
      const last = page.messages.at(-1);
      return last?.role === "assistant" && last.metadata.status === "interrupted" ? last : undefined;
    }, LEASE_MS * 10);
    expect(textOf(shown.parts).startsWith(checkpoint)).toBe(true);
    expect(reply.startsWith(textOf(shown.parts))).toBe(true);
    // B's open stream stops following once the turn is no one's: it ends rather than hanging.
    const ended = await Promise.race([onB.ended.then(() => "ended"), new Promise((resolve) => setTimeout(resolve, LEASE_MS * 10, "hanging"))]);
    expect(ended).toBe("ended");
    expect(reply.startsWith(streamedText(onB.events))).toBe(true);
    expect(ids(onB.events)).toEqual(numbered(1, onB.events.length));
    // A new message in that chat is answered (by B) now that the dead turn let go.
    fake.rules.unshift({ match: "aftermarker", reply: "after the crash", tokensPerSec: 0 });
    expect(streamedText(await allEvents(await send(b, chatId, "aftermarker")))).toBe("after the crash");
  }, 60_000);
});

describe.skipIf(!redisUp)(`Stop on one instance waits for the answer's end on another (${redisTitle})`, () => {
  const { prefix, a, b } = twoProcesses();

  // stopChat, when the answer runs elsewhere, follows its stream from beyond every event until it
  // ends. The end entry's Redis id is not a seq, so such a reader used to miss it and wait out its
  // own 5 s limit: a Stop sent to B answered 5 s late.
  it("a reader from beyond the last event ends when the stream ends, not when its wait runs out", async () => {
    const writer = new RedisStreamStore(a, { prefix });
    const reader = new RedisStreamStore(b, { prefix });
    const streamId = randomUUID();
    writer.open(streamId);
    writer.append(streamId, { seq: 1, data: "one" });
    await writer.flush();
    const limit = AbortSignal.timeout(20_000);
    const readAll = async () => {
      const seen: StreamEvent[] = [];
      for await (const event of reader.read(streamId, Number.MAX_SAFE_INTEGER, limit)) seen.push(event);
      return seen;
    };
    const following = readAll(); // there before the end: hears it live
    await new Promise((resolve) => setTimeout(resolve, 200));
    writer.append(streamId, { seq: 2, data: "two" });
    writer.end(streamId, 60_000);
    await writer.flush();
    expect(await following).toEqual([]);
    expect(await readAll()).toEqual([]); // arriving after the end
    expect(limit.aborted).toBe(false);
  }, 30_000);
});
