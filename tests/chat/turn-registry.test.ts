/**
 * One contract for both turn registries: in-process always, Redis when one is
 * reachable (each registry object there has its own connections, as another
 * Parley process would).
 */
import { randomUUID } from "node:crypto";
import { describe, expect, it, vi } from "vitest";
import { MemoryTurnRegistry } from "../../lib/chat/streams/memory";
import { RedisTurnRegistry } from "../../lib/chat/streams/redis";
import type { ActiveTurn, TurnRegistry } from "../../lib/chat/streams/types";
import { RedisConnections } from "../../lib/redis/client";
import { redisTitle, redisUp, testRedisUrl, twoProcesses } from "../helpers/redis";

const LONG = 60_000;
const chatId = () => `chat-${randomUUID()}`;
const turn = (name: string): ActiveTurn => ({ streamId: `answer-${name}-${randomUUID()}`, key: `submit:${name}`, owner: `process-${name}`, userId: `user-${name}`, startedAt: Date.now() });

/** Two registries that must agree: in-process, the same object twice; with Redis, two processes. */
interface Harness {
  one: TurnRegistry;
  other: TurnRegistry;
}

function turnRegistryContract(harness: Harness) {
  it("lets exactly one of many concurrent claims win, and shows the others the winner's turn", async () => {
    const chat = chatId();
    const turns = Array.from({ length: 40 }, (_, i) => turn(`t${i}`));
    const results = await Promise.all(turns.map((t, i) => (i % 2 ? harness.other : harness.one).claim(chat, t, LONG)));
    const winners = results.flatMap((result, i) => (result.claimed ? [turns[i]!] : []));
    expect(winners).toHaveLength(1);
    for (const result of results) if (!result.claimed) expect(result.active).toEqual(winners[0]);
    expect(await harness.one.active(chat)).toEqual(winners[0]);
    expect(await harness.other.active(chat)).toEqual(winners[0]);
  });

  it("answers a second claim with the first claim's turn, and claims nothing for it", async () => {
    const chat = chatId();
    const first = turn("first");
    expect(await harness.one.claim(chat, first, LONG)).toEqual({ claimed: true });
    expect(await harness.other.claim(chat, turn("second"), LONG)).toEqual({ claimed: false, active: first });
    expect(await harness.other.active(chat)).toEqual(first);
    expect(await harness.one.active(chatId())).toBeNull();
  });

  it("releases a chat only for the turn that holds it, and then lets a new turn claim it", async () => {
    const chat = chatId();
    const holder = turn("holder");
    await harness.one.claim(chat, holder, LONG);
    await harness.other.release(chat, turn("intruder").streamId);
    expect(await harness.one.active(chat)).toEqual(holder);
    expect(await harness.other.renew(chat, turn("intruder").streamId, LONG)).toBe(false);
    await harness.one.release(chat, holder.streamId);
    expect(await harness.other.active(chat)).toBeNull();
    const next = turn("next");
    expect(await harness.other.claim(chat, next, LONG)).toEqual({ claimed: true });
    expect(await harness.one.active(chat)).toEqual(next);
  });

  it("lets a lapsed lease be claimed again, and refuses the old owner's renewal", async () => {
    const chat = chatId();
    const crashed = turn("crashed");
    await harness.one.claim(chat, crashed, 100);
    await vi.waitFor(async () => expect(await harness.other.active(chat)).toBeNull(), { timeout: 10_000, interval: 20 });
    const next = turn("next");
    expect(await harness.other.claim(chat, next, LONG)).toEqual({ claimed: true });
    expect(await harness.one.renew(chat, crashed.streamId, LONG)).toBe(false);
    expect(await harness.one.active(chat)).toEqual(next);
  });

  it("keeps a renewed claim past the lease it was claimed with", async () => {
    const renewed = chatId();
    const control = chatId();
    const owner = turn("owner");
    await Promise.all([harness.one.claim(renewed, owner, 300), harness.one.claim(control, turn("control"), 300)]);
    expect(await harness.one.renew(renewed, owner.streamId, LONG)).toBe(true);
    // The control claim, made with the same lease at the same time, lapses; the renewed one holds.
    await vi.waitFor(async () => expect(await harness.other.active(control)).toBeNull(), { timeout: 10_000, interval: 20 });
    expect(await harness.other.active(renewed)).toEqual(owner);
    expect(await harness.other.claim(renewed, turn("late"), LONG)).toEqual({ claimed: false, active: owner });
  });

  it("carries a stop request to the owner's listener, made just after its claim, through a failing listener", async () => {
    const chat = chatId();
    const owner = turn("owner");
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    try {
      expect(await harness.one.claim(chat, owner, LONG)).toEqual({ claimed: true });
      const failing = harness.one.onStopRequest(() => {
        throw new Error("listener bug");
      });
      const stops: Array<[string, string]> = [];
      let heard!: () => void;
      const stopped = new Promise<void>((resolve) => (heard = resolve));
      const stop = harness.one.onStopRequest((chatId, streamId) => {
        stops.push([chatId, streamId]);
        heard();
      });
      await harness.other.requestStop(chat, owner.streamId);
      await stopped;
      expect(stops).toEqual([[chat, owner.streamId]]);
      failing();
      stop();
    } finally {
      warn.mockRestore();
    }
  });

  it("stops calling a listener once it unsubscribed", async () => {
    const gone: string[] = [];
    const kept: string[] = [];
    const unsubscribe = harness.one.onStopRequest((_chat, streamId) => gone.push(streamId));
    let heard!: () => void;
    const second = new Promise<void>((resolve) => (heard = resolve));
    const keep = harness.one.onStopRequest((_chat, streamId) => {
      kept.push(streamId);
      if (kept.length === 2) heard();
    });
    await harness.other.requestStop(chatId(), "first");
    await vi.waitFor(() => expect(gone).toEqual(["first"]));
    unsubscribe();
    await harness.other.requestStop(chatId(), "second");
    // Both requests reached the listener that stayed, in order: the other one heard only the first.
    await second;
    expect(kept).toEqual(["first", "second"]);
    expect(gone).toEqual(["first"]);
    keep();
  });
}

describe("turn registry: in-process", () => {
  const registry = new MemoryTurnRegistry();
  turnRegistryContract({ one: registry, other: registry });

  it("hands out copies: changing a returned turn changes nothing held", async () => {
    const chat = chatId();
    const held = turn("held");
    await registry.claim(chat, held, LONG);
    const seen = await registry.active(chat);
    seen!.owner = "someone else";
    expect(await registry.active(chat)).toEqual(held);
  });
});

describe.skipIf(!redisUp)(`turn registry: ${redisTitle}`, () => {
  const { prefix, a: processA, b: processB } = twoProcesses();
  const harness = { one: new RedisTurnRegistry(processA, { prefix }), other: new RedisTurnRegistry(processB, { prefix }) };

  turnRegistryContract(harness);

  it("keeps the claim in <prefix>turn:<chatId> with the lease as its expiry", async () => {
    const chat = chatId();
    const owner = turn("owner");
    await harness.one.claim(chat, owner, LONG);
    const [value, ttl] = await processB.command((redis) => Promise.all([redis.get(`${prefix}turn:${chat}`), redis.pttl(`${prefix}turn:${chat}`)]));
    expect(JSON.parse(value!)).toEqual(owner);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(LONG);
  });

  it("lets a process that just started hear a stop request made as soon as its first claim resolved", async () => {
    const fresh = new RedisConnections(testRedisUrl);
    try {
      const registry = new RedisTurnRegistry(fresh, { prefix });
      const chat = chatId();
      const owner = turn("owner");
      expect(await registry.claim(chat, owner, LONG)).toEqual({ claimed: true });
      const heard = new Promise<[string, string]>((resolve) => registry.onStopRequest((...stop) => resolve(stop)));
      await harness.other.requestStop(chat, owner.streamId);
      expect(await heard).toEqual([chat, owner.streamId]);
    } finally {
      await fresh.close();
    }
  });

  it("lets exactly one of concurrent claims from several fresh processes win", async () => {
    const processes = Array.from({ length: 5 }, () => new RedisConnections(testRedisUrl));
    try {
      const registries = processes.map((connections) => new RedisTurnRegistry(connections, { prefix }));
      const chat = chatId();
      const turns = registries.map((_, i) => turn(`p${i}`));
      const results = await Promise.all(registries.map((registry, i) => registry.claim(chat, turns[i]!, LONG)));
      expect(results.filter((result) => result.claimed)).toHaveLength(1);
    } finally {
      await Promise.all(processes.map((connections) => connections.close()));
    }
  });
});
