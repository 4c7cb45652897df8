/**
 * The process's answer stream store and turn registry: Redis when REDIS_URL
 * is set (every instance sees every answer), in-process otherwise. One pair
 * per URL, kept on globalThis so a dev-server reload does not lose running
 * answers' streams.
 */
import { config } from "../../config";
import { redisConnections } from "../../redis/client";
import { MemoryStreamStore, MemoryTurnRegistry } from "./memory";
import { RedisStreamStore, RedisTurnRegistry } from "./redis";
import type { StreamStore, TurnRegistry } from "./types";

export type { ActiveTurn, StreamEvent, StreamStore, TurnRegistry } from "./types";

const globalForStreams = globalThis as unknown as {
  parleyAnswerStreams?: { key: string; store: StreamStore; registry: TurnRegistry };
};

function current() {
  const url = config.redisUrl;
  const key = url ?? "memory";
  if (globalForStreams.parleyAnswerStreams?.key !== key) {
    globalForStreams.parleyAnswerStreams = url
      ? { key, store: new RedisStreamStore(redisConnections(url)), registry: new RedisTurnRegistry(redisConnections(url)) }
      : { key, store: new MemoryStreamStore(), registry: new MemoryTurnRegistry() };
  }
  return globalForStreams.parleyAnswerStreams;
}

export function streamStore(): StreamStore {
  return current().store;
}

export function turnRegistry(): TurnRegistry {
  return current().registry;
}
