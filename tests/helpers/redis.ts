/**
 * The Redis the Redis-backed tests use: REDIS_URL, or the machine's
 * 127.0.0.1:6379. Tests share it with others, so each uses its own key prefix
 * and deletes only its own keys (never FLUSHDB / FLUSHALL).
 */
import { randomUUID } from "node:crypto";
import net from "node:net";
import { afterAll } from "vitest";
import { RedisConnections } from "../../lib/redis/client";

export const testRedisUrl = process.env.REDIS_URL || "redis://127.0.0.1:6379";

/** True when something answers a PING there (any reply, NOAUTH included, means Redis is up). */
export function redisReachable(url = testRedisUrl, timeoutMs = 1_000): Promise<boolean> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = net.connect({ host: hostname || "127.0.0.1", port: Number(port || 6379) });
    const done = (up: boolean) => {
      socket.destroy();
      resolve(up);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.on("error", () => done(false));
    socket.on("connect", () => socket.write("PING\r\n"));
    socket.on("data", (data) => done(data[0] === 0x2b || data[0] === 0x2d));
  });
}

export const redisUp = await redisReachable();

/** The title suffix of a suite that needs Redis. */
export const redisTitle = redisUp ? `Redis at ${testRedisUrl}` : `skipped: no Redis at ${testRedisUrl}`;

export function uniquePrefix(): string {
  return `parley-test-${randomUUID().slice(0, 8)}:`;
}

/** Deletes every key under `prefix` (this test's own). */
export async function deleteKeys(redis: RedisConnections, prefix: string): Promise<void> {
  await redis.command(async (client) => {
    let cursor = "0";
    do {
      const [next, keys] = await client.scan(cursor, "MATCH", `${prefix}*`, "COUNT", 500);
      if (keys.length > 0) await client.del(...keys);
      cursor = next;
    } while (cursor !== "0");
  });
}

/**
 * For a suite: connections as two Parley processes hold them (`a`, `b`), and
 * a key prefix of its own; after the suite its keys are deleted and the
 * connections closed.
 */
export function twoProcesses(): { prefix: string; a: RedisConnections; b: RedisConnections } {
  const prefix = uniquePrefix();
  const a = new RedisConnections(testRedisUrl);
  const b = new RedisConnections(testRedisUrl);
  afterAll(async () => {
    await deleteKeys(a, prefix);
    await Promise.all([a.close(), b.close()]);
  });
  return { prefix, a, b };
}
