/**
 * Synthesized sentences, so the same text in the same voice and speed is
 * synthesized once: a second click on a speaker button plays at once. Keyed
 * by a hash that includes the user: one user's cache never answers (or
 * reveals by its speed) another's text. Redis when REDIS_URL is set (shared
 * by every Parley process, entries expire after a week), otherwise an
 * in-process LRU bounded in bytes.
 */
import { createHash } from "node:crypto";
import { config } from "../config";
import { connected, redisConnections, type RedisConnections } from "../redis/client";
import type { SynthesizedAudio } from "./types";

export interface AudioCache {
  get(key: string): Promise<SynthesizedAudio | undefined>;
  set(key: string, value: SynthesizedAudio): Promise<void>;
}

export function cacheKey(parts: { userId: string; provider: string; model: string; voice: string; speed: number; text: string }): string {
  return createHash("sha256").update(JSON.stringify([parts.userId, parts.provider, parts.model, parts.voice, parts.speed, parts.text])).digest("hex");
}

export class MemoryAudioCache implements AudioCache {
  private readonly entries = new Map<string, SynthesizedAudio>();
  private bytes = 0;
  constructor(private readonly maxBytes: number) {}

  async get(key: string) {
    const hit = this.entries.get(key);
    if (hit) {
      // Most recently used goes last.
      this.entries.delete(key);
      this.entries.set(key, hit);
    }
    return hit;
  }

  async set(key: string, value: SynthesizedAudio) {
    if (value.audio.length > this.maxBytes) return;
    const old = this.entries.get(key);
    if (old) {
      this.bytes -= old.audio.length;
      this.entries.delete(key);
    }
    this.entries.set(key, value);
    this.bytes += value.audio.length;
    for (const [oldest, entry] of this.entries) {
      if (this.bytes <= this.maxBytes) break;
      this.entries.delete(oldest);
      this.bytes -= entry.audio.length;
    }
  }

  get size() {
    return this.entries.size;
  }
}

const TTL_SECONDS = 7 * 24 * 3600;

export class RedisAudioCache implements AudioCache {
  constructor(private readonly redis: RedisConnections) {}

  // A cache that cannot be reached is a miss, never a failed request; while
  // Redis is known to be down it is not even asked (no wait for a retry).
  async get(key: string) {
    try {
      const value = await this.redis.command((redis) => (connected(redis) ? redis.getBuffer(`parley:tts:${key}`) : null));
      if (!value) return undefined;
      const split = value.indexOf(10);
      return { contentType: value.subarray(0, split).toString("utf8"), audio: new Uint8Array(value.subarray(split + 1)) };
    } catch {
      return undefined;
    }
  }

  async set(key: string, value: SynthesizedAudio) {
    const entry = Buffer.concat([Buffer.from(`${value.contentType}\n`), value.audio]);
    try {
      await this.redis.command((redis) => (connected(redis) ? redis.set(`parley:tts:${key}`, entry, "EX", TTL_SECONDS) : null));
    } catch {
      // not cached this time
    }
  }
}

const globalForCache = globalThis as unknown as { parleyTtsCache?: { key: string; cache: AudioCache } };

export function audioCache(): AudioCache {
  const url = config.redisUrl;
  const key = `${url ?? "memory"}:${config.speech.cacheBytes}`;
  if (globalForCache.parleyTtsCache?.key !== key) {
    globalForCache.parleyTtsCache = { key, cache: url ? new RedisAudioCache(redisConnections(url)) : new MemoryAudioCache(config.speech.cacheBytes) };
  }
  return globalForCache.parleyTtsCache.cache;
}
