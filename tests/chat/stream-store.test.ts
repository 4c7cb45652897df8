/**
 * One contract for both answer stream stores: in-process always, Redis when
 * one is reachable. A Redis "instance" is its own RedisConnections (its own
 * connections, as another Parley process has).
 */
import { spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { once } from "node:events";
import { describe, expect, it, vi } from "vitest";
import { MemoryStreamStore } from "../../lib/chat/streams/memory";
import { RedisStreamStore, type RedisStreamOptions } from "../../lib/chat/streams/redis";
import type { StreamEvent, StreamStore } from "../../lib/chat/streams/types";
import { RedisConnections } from "../../lib/redis/client";
import { redisTitle, redisUp, testRedisUrl, twoProcesses } from "../helpers/redis";

const never = new AbortController().signal;

async function collect(stream: AsyncIterable<StreamEvent>): Promise<StreamEvent[]> {
  const events: StreamEvent[] = [];
  for await (const event of stream) events.push(event);
  return events;
}

const event = (seq: number): StreamEvent => ({ seq, data: JSON.stringify({ type: "text-delta", delta: `token ${seq} «ü»` }) });
const events = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => event(from + i));
const streamId = () => `answer-${randomUUID()}`;

interface Harness {
  store: StreamStore;
}

function streamStoreContract(harness: Harness) {
  const store = () => harness.store;

  it("replays from the start and from every afterSeq exactly the remaining events, in order", async () => {
    const id = streamId();
    store().open(id);
    for (const e of events(1, 30)) store().append(id, e);
    store().end(id, 60_000);
    await store().flush();
    for (let afterSeq = 0; afterSeq <= 31; afterSeq += 1) {
      expect(await collect(store().read(id, afterSeq, never))).toEqual(events(afterSeq + 1, 30));
    }
  });

  it("lets a reader that starts before the first event follow the answer live and stop at its end", async () => {
    const id = streamId();
    store().open(id);
    await store().flush();
    const reader = store().read(id, 0, never)[Symbol.asyncIterator]();
    const first = reader.next();
    // A reader of a missing stream, started after it on the same connections:
    // once it has returned, the first reader has looked at its stream too.
    expect(await collect(store().read(streamId(), 0, never))).toEqual([]);
    for (let seq = 1; seq <= 5; seq += 1) {
      store().append(id, event(seq));
      // Each event arrives while the answer is still running.
      expect(await (seq === 1 ? first : reader.next())).toEqual({ done: false, value: event(seq) });
    }
    const end = reader.next();
    store().end(id, 60_000);
    expect(await end).toEqual({ done: true, value: undefined });
  });

  it("gives 50 concurrent readers of one stream the identical sequence", async () => {
    const id = streamId();
    store().open(id);
    await store().flush();
    const readers = Array.from({ length: 50 }, () => collect(store().read(id, 0, never)));
    for (let seq = 1; seq <= 200; seq += 1) {
      store().append(id, event(seq));
      if (seq % 20 === 0) await new Promise((resolve) => setImmediate(resolve));
    }
    store().end(id, 60_000);
    const results = await Promise.all(readers);
    for (const result of results) expect(result).toEqual(events(1, 200));
  });

  it("keeps 2,000 appends that nobody awaits in call order, for replays and for a live reader", async () => {
    const id = streamId();
    store().open(id);
    await store().flush();
    const live = collect(store().read(id, 0, never));
    for (let seq = 1; seq <= 2_000; seq += 1) store().append(id, event(seq));
    store().end(id, 60_000);
    expect(await live).toEqual(events(1, 2_000));
    await store().flush();
    expect(await collect(store().read(id, 0, never))).toEqual(events(1, 2_000));
    expect(await collect(store().read(id, 1_234, never))).toEqual(events(1_235, 2_000));
  });

  it("yields nothing, at once, for a stream that does not exist", async () => {
    expect(await collect(store().read(streamId(), 0, never))).toEqual([]);
    expect(await collect(store().read(streamId(), 17, never))).toEqual([]);
  });

  it("stops a follower of a never-ending stream when its signal aborts, also while it waits", async () => {
    const id = streamId();
    store().append(id, event(1));
    const controller = new AbortController();
    const reader = store().read(id, 0, controller.signal)[Symbol.asyncIterator]();
    expect(await reader.next()).toEqual({ done: false, value: event(1) });
    const waiting = reader.next();
    controller.abort();
    expect(await waiting).toEqual({ done: true, value: undefined });
    // Another reader of the same stream still works.
    const other = new AbortController();
    const next = store().read(id, 0, other.signal)[Symbol.asyncIterator]();
    expect((await next.next()).value).toEqual(event(1));
    other.abort();
    expect((await next.next()).done).toBe(true);
  });

  it("yields nothing to a reader whose signal aborted before it started", async () => {
    const id = streamId();
    store().append(id, event(1));
    store().end(id, 60_000);
    await store().flush();
    expect(await collect(store().read(id, 0, AbortSignal.abort()))).toEqual([]);
  });

  it("forgets an ended stream after its TTL (and at once with TTL 0)", async () => {
    const id = streamId();
    for (const e of events(1, 3)) store().append(id, e);
    store().end(id, 300);
    await store().flush();
    expect(await collect(store().read(id, 0, never))).toEqual(events(1, 3));
    await vi.waitFor(async () => expect(await collect(store().read(id, 0, never))).toEqual([]), { timeout: 15_000, interval: 50 });

    const dropped = streamId();
    store().open(dropped);
    store().end(dropped, 0);
    await store().flush();
    expect(await collect(store().read(dropped, 0, never))).toEqual([]);
  });

  it("ends a reader that was following when the stream ends with TTL 0", async () => {
    const id = streamId();
    store().append(id, event(1));
    const reader = collect(store().read(id, 0, never));
    await store().flush();
    store().end(id, 0);
    const seen = await reader;
    // It may or may not have read event 1 before the stream went; it never hangs.
    expect(seen.length <= 1 && seen.every((e, i) => e.seq === i + 1)).toBe(true);
  });

  it("refuses an event that is not after the last one, and events after the end", async () => {
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    try {
      const id = streamId();
      store().append(id, event(1));
      store().append(id, event(2));
      store().append(id, event(2));
      store().append(id, event(1));
      store().append(id, event(3));
      store().end(id, 60_000);
      store().append(id, event(4));
      await store().flush();
      expect(await collect(store().read(id, 0, never))).toEqual(events(1, 3));
    } finally {
      warn.mockRestore();
    }
  });

  it("keeps each reader's events apart from what the consumer does with them", async () => {
    const id = streamId();
    store().append(id, event(1));
    store().end(id, 60_000);
    await store().flush();
    const [first] = await collect(store().read(id, 0, never));
    first!.data = "changed by one consumer";
    expect(await collect(store().read(id, 0, never))).toEqual([event(1)]);
  });
}

describe("stream store: in-process", () => {
  streamStoreContract({ store: new MemoryStreamStore() });

  it("lets a process that holds streams and claims exit when its work is done (no timer keeps it)", async () => {
    const script = `
      import { MemoryStreamStore, MemoryTurnRegistry } from "./lib/chat/streams/memory.ts";
      const store = new MemoryStreamStore();
      store.open("running");
      store.append("ended", { seq: 1, data: "{}" });
      store.end("ended", 600000);
      await new MemoryTurnRegistry().claim("chat", { streamId: "running", key: "submit:1", owner: "p", userId: "u", startedAt: 1 }, 600000);
      console.log("held");`;
    const child = spawn(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], { stdio: ["ignore", "pipe", "inherit"] });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
    try {
      const [code] = (await once(child, "exit")) as [number | null];
      expect({ code, output: output.trim() }).toEqual({ code: 0, output: "held" });
    } finally {
      child.kill("SIGKILL");
    }
  });
});

describe.skipIf(!redisUp)(`stream store: ${redisTitle}`, () => {
  const { prefix, a: processA, b: processB } = twoProcesses();
  const make = (connections: RedisConnections, options: RedisStreamOptions = {}) =>
    // A long idle check: a reader that returns "at once" does so without it.
    new RedisStreamStore(connections, { prefix, idleCheckMs: 10 * 60_000, ...options });
  const harness: Harness = { store: make(processA) };

  streamStoreContract(harness);

  it("stores each event as entry <seq>-0 with its seq and data, and expires a running stream eventually", async () => {
    const id = streamId();
    const store = harness.store;
    store.open(id);
    store.append(id, event(1));
    store.append(id, event(2));
    await store.flush();
    const [entries, ttl] = await processA.command((redis) =>
      Promise.all([redis.xrange(`${prefix}stream:${id}`, "1-0", "+"), redis.pttl(`${prefix}stream:${id}`)]),
    );
    expect(entries).toEqual([
      ["1-0", ["seq", "1", "data", event(1).data]],
      ["2-0", ["seq", "2", "data", event(2).data]],
    ]);
    expect(ttl).toBeGreaterThan(60 * 60 * 1000);
    store.end(id, 60_000);
    await store.flush();
    const after = await processA.command((redis) => redis.pttl(`${prefix}stream:${id}`));
    expect(after).toBeGreaterThan(0);
    expect(after).toBeLessThanOrEqual(60_000);
  });

  it("shows a reader on one instance the events another instance appends, replayed and live", async () => {
    const owner = make(processB);
    const reader = make(processA);
    const id = streamId();
    owner.open(id);
    for (const e of events(1, 10)) owner.append(id, e);
    await owner.flush();
    const following = reader.read(id, 4, never)[Symbol.asyncIterator]();
    for (let seq = 5; seq <= 10; seq += 1) expect((await following.next()).value).toEqual(event(seq));
    for (let seq = 11; seq <= 20; seq += 1) {
      owner.append(id, event(seq));
      expect((await following.next()).value).toEqual(event(seq));
    }
    const end = following.next();
    owner.end(id, 60_000);
    expect((await end).done).toBe(true);
  });

  it("gives a follower back its subscription when it stops", async () => {
    const id = streamId();
    const channel = `${prefix}stream-events:${id}`;
    harness.store.append(id, event(1));
    const controller = new AbortController();
    const reader = harness.store.read(id, 0, controller.signal)[Symbol.asyncIterator]();
    await reader.next();
    expect(processA.listenerCount(channel)).toBe(1);
    const waiting = reader.next();
    controller.abort();
    await waiting;
    expect(processA.listenerCount(channel)).toBe(0);
  });

  it("fills a gap left by a lost live message from the stream", async () => {
    const id = streamId();
    const key = `${prefix}stream:${id}`;
    harness.store.append(id, event(1));
    const reader = harness.store.read(id, 0, never)[Symbol.asyncIterator]();
    expect((await reader.next()).value).toEqual(event(1));
    // Event 2 reaches the stream but its message never comes (as across a reconnect).
    const second = reader.next();
    await processB.command((redis) => redis.xadd(key, "2-0", "seq", "2", "data", event(2).data));
    harness.store.append(id, event(3));
    expect((await second).value).toEqual(event(2));
    expect((await reader.next()).value).toEqual(event(3));
    harness.store.end(id, 60_000);
    expect((await reader.next()).done).toBe(true);
  });

  it("reads the stream itself when a reader falls too far behind the live messages", async () => {
    const store = make(processA, { liveBuffer: 10 });
    const id = streamId();
    store.open(id);
    await store.flush();
    const slow = store.read(id, 0, never)[Symbol.asyncIterator]();
    const firstOfSlow = slow.next();
    store.append(id, event(1));
    expect((await firstOfSlow).value).toEqual(event(1));
    // A second reader on the same connection sees every message; when it has
    // the last one, the slow reader's buffer has overflowed long since.
    const fast = collect(store.read(id, 0, never));
    for (const e of events(2, 300)) store.append(id, e);
    store.end(id, 60_000);
    expect(await fast).toEqual(events(1, 300));
    const rest: StreamEvent[] = [];
    for (let next = await slow.next(); !next.done; next = await slow.next()) rest.push(next.value);
    expect(rest).toEqual(events(2, 300));
  });

  it("ends a follower whose stream expired without an end (its owner crashed)", async () => {
    const store = make(processA, { idleCheckMs: 100 });
    const id = streamId();
    store.append(id, event(1));
    const reader = store.read(id, 0, never)[Symbol.asyncIterator]();
    expect((await reader.next()).value).toEqual(event(1));
    const waiting = reader.next();
    await processB.command((redis) => redis.pexpire(`${prefix}stream:${id}`, 1));
    expect(await waiting).toEqual({ done: true, value: undefined });
  });
});
