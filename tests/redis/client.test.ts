/**
 * The shared Redis connections and the features moved onto them: document
 * events and the speech cache, across two "processes" (two RedisConnections).
 */
import { randomUUID } from "node:crypto";
import { describe, expect, it, vi } from "vitest";
import type { DocumentEvent } from "../../lib/rag/events";
import { RedisDocumentEvents } from "../../lib/rag/events";
import { RedisConnections } from "../../lib/redis/client";
import { RedisAudioCache } from "../../lib/speech/cache";
import { redisTitle, redisUp, testRedisUrl, twoProcesses } from "../helpers/redis";

describe("Redis connections that cannot reach Redis", () => {
  it("fail a command (and give a cache miss) without crashing or hanging, and log the cause", async () => {
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    const nowhere = new RedisConnections("redis://127.0.0.1:1");
    try {
      await expect(nowhere.command((redis) => redis.ping())).rejects.toThrow();
      const cache = new RedisAudioCache(nowhere);
      expect(await cache.get("anything")).toBeUndefined();
      await cache.set("anything", { contentType: "audio/wav", audio: new Uint8Array([1]) });
      expect(warn.mock.calls.some(([line]) => String(line).startsWith("[parley] Redis commands:"))).toBe(true);
    } finally {
      await nowhere.close();
      warn.mockRestore();
    }
  });
});

describe.skipIf(!redisUp)(`shared Redis connections: ${redisTitle}`, () => {
  const { prefix, a: processA, b: processB } = twoProcesses();

  const subscribers = (channels: string[]) =>
    processB.command((redis) => redis.pubsub("NUMSUB", ...channels)) as Promise<(string | number)[]>;

  it("runs fire-and-forget commands in call order, also those issued before the connection exists", async () => {
    const fresh = new RedisConnections(testRedisUrl);
    const key = `${prefix}order`;
    try {
      for (let i = 0; i < 300; i += 1) void fresh.command((redis) => redis.rpush(key, String(i)));
      const stored = await fresh.command((redis) => redis.lrange(key, 0, -1));
      expect(stored).toEqual(Array.from({ length: 300 }, (_, i) => String(i)));
    } finally {
      await fresh.close();
    }
  });

  it("shares one Redis subscription per channel among local listeners, and dispatches by channel", async () => {
    const [one, two] = [`${prefix}one`, `${prefix}two`];
    const got: string[] = [];
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    try {
      const a = processA.subscribe(one, (message) => got.push(`a:${message}`));
      const failing = processA.subscribe(one, () => {
        throw new Error("listener bug");
      });
      const b = processA.subscribe(one, (message) => got.push(`b:${message}`));
      const c = processA.subscribe(two, (message) => got.push(`c:${message}`));
      await Promise.all([a.ready, b.ready, c.ready, failing.ready]);
      expect(await subscribers([one, two])).toEqual([one, 1, two, 1]);

      await processB.command((redis) => redis.publish(one, "hello"));
      await processB.command((redis) => redis.publish(two, "there"));
      await vi.waitFor(() => expect(got.sort()).toEqual(["a:hello", "b:hello", "c:there"]));

      a.unsubscribe();
      failing.unsubscribe();
      expect(await subscribers([one])).toEqual([one, 1]);
      b.unsubscribe();
      c.unsubscribe();
      await vi.waitFor(async () => expect(await subscribers([one, two])).toEqual([one, 0, two, 0]));
    } finally {
      warn.mockRestore();
    }
  });

  it("carries document events from one process's bus to another's listeners", async () => {
    const publisher = new RedisDocumentEvents(processA);
    const receiver = new RedisDocumentEvents(processB);
    await Promise.all([publisher.ready, receiver.ready]);
    const event: DocumentEvent = { type: "deleted", documentId: randomUUID(), collectionId: randomUUID() };
    const heard = new Promise<DocumentEvent>((resolve) => {
      const off = receiver.subscribe((received) => {
        if (received.type === "deleted" && received.documentId === event.documentId) {
          off();
          resolve(received);
        }
      });
    });
    publisher.publish(event);
    expect(await heard).toEqual(event);
    await Promise.all([publisher.close(), receiver.close()]);
  });

  it("shares synthesized audio between processes through the speech cache", async () => {
    const key = `test-${randomUUID()}`;
    const audio = { contentType: "audio/wav", audio: new Uint8Array([0, 10, 255, 13, 10]) };
    await new RedisAudioCache(processA).set(key, audio);
    try {
      expect(await new RedisAudioCache(processB).get(key)).toEqual(audio);
      expect(await new RedisAudioCache(processB).get(`test-${randomUUID()}`)).toBeUndefined();
    } finally {
      await processA.command((redis) => redis.del(`parley:tts:${key}`));
    }
  });

  it("refuses work once closed", async () => {
    const closing = new RedisConnections(testRedisUrl);
    await closing.command((redis) => redis.ping());
    await closing.close();
    await expect(closing.command((redis) => redis.ping())).rejects.toThrow("closed");
  });
});
