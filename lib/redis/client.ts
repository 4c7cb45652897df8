/**
 * The one way Parley talks to Redis (REDIS_URL). Per URL, a process holds two
 * connections, each created on first use: one for commands, shared by every
 * feature (document events, the speech cache, answer streams, the turn
 * registry), and one subscriber that every feature's channels share, with
 * messages dispatched per channel to local listeners. A Redis that cannot be
 * reached is logged (at most every 10 s per source), never a crash.
 *
 * ioredis is loaded on first use, so a Parley without Redis never loads it.
 */
import type { Redis, RedisOptions } from "ioredis";

/** Logs a Redis failure without flooding the log while Redis stays down. */
export function logRedisError(source: string, error: unknown): void {
  const now = Date.now();
  const last = lastLogged.get(source);
  if (last !== undefined && now - last.at < 10_000) {
    last.suppressed += 1;
    return;
  }
  const more = last?.suppressed ? ` (and ${last.suppressed} more since)` : "";
  lastLogged.set(source, { at: now, suppressed: 0 });
  console.warn(`[parley] Redis ${source}: ${error instanceof Error ? error.message : String(error)}${more}`);
}
const lastLogged = new Map<string, { at: number; suppressed: number }>();

/** False while the connection is known to be down (reconnecting or closed): callers that prefer a fast miss skip Redis. */
export function connected(redis: Redis): boolean {
  return !["reconnecting", "close", "end"].includes(redis.status);
}

/**
 * A Lua script run with EVALSHA (EVAL the first time on each connection).
 * Scripts run atomically: a check-then-write needs no WATCH retry loop.
 */
export function redisScript<T>(name: string, numberOfKeys: number, lua: string) {
  const defined = new WeakSet<Redis>();
  return (redis: Redis, ...keysAndArgs: (string | number)[]): Promise<T> => {
    if (!defined.has(redis)) {
      redis.defineCommand(name, { numberOfKeys, lua });
      defined.add(redis);
    }
    const command = (redis as unknown as Record<string, (...args: (string | number)[]) => Promise<T>>)[name]!;
    return command.call(redis, ...keysAndArgs);
  };
}

/** One connection, created on first use; work given to `run` runs in call order. */
class LazyConnection {
  private redis?: Redis;
  private queue?: Array<{ go: (redis: Redis) => void; fail: (error: unknown) => void }>;
  private loading?: Promise<void>;
  private closed = false;

  constructor(
    private readonly url: string,
    private readonly name: string,
    private readonly options: RedisOptions,
    private readonly setUp: (redis: Redis) => void = () => {},
  ) {}

  /**
   * Calls `work` with the connection. Works run in the order `run` was called
   * (also while ioredis is still loading), so the commands each one issues
   * synchronously reach Redis in that order.
   */
  run<T>(work: (redis: Redis) => T | Promise<T>): Promise<T> {
    if (this.closed) return Promise.reject(new Error("the Redis connection is closed"));
    return new Promise<T>((resolve, reject) => {
      const go = (redis: Redis) => {
        try {
          resolve(work(redis));
        } catch (error) {
          reject(error);
        }
      };
      if (this.redis && !this.queue) return go(this.redis);
      (this.queue ??= []).push({ go, fail: reject });
      this.loading ??= this.load();
    });
  }

  private async load(): Promise<void> {
    try {
      const { Redis } = await import("ioredis");
      const redis = new Redis(this.url, { connectionName: `parley-${this.name}`, ...this.options });
      redis.on("error", (error: Error) => logRedisError(this.name, error));
      this.setUp(redis);
      this.redis = redis;
    } catch (error) {
      for (const { fail } of this.queue ?? []) fail(error);
      this.queue = undefined;
      this.loading = undefined;
      return;
    }
    // Work queued while draining lands at the end of the same queue: order holds.
    const queue = this.queue ?? [];
    for (let i = 0; i < queue.length; i += 1) queue[i]!.go(this.redis);
    this.queue = undefined;
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.loading;
    const redis = this.redis;
    if (!redis) return;
    await redis.quit().catch(() => redis.disconnect());
  }
}

export interface Subscription {
  /** Settles once Redis confirmed the subscription: every message published after that reaches the listener. */
  readonly ready: Promise<void>;
  unsubscribe(): void;
}

interface Channel {
  listeners: Set<(message: string) => void>;
  ready: Promise<void>;
}

/** One process's connections to one Redis. */
export class RedisConnections {
  private readonly commands: LazyConnection;
  private readonly subscriber: LazyConnection;
  private readonly channels = new Map<string, Channel>();

  constructor(readonly url: string) {
    // A command fails after two reconnection attempts rather than queueing while Redis is down.
    this.commands = new LazyConnection(url, "commands", { maxRetriesPerRequest: 2 });
    // SUBSCRIBE waits for the connection however long it takes; ioredis resubscribes after a reconnect.
    this.subscriber = new LazyConnection(url, "subscriber", { maxRetriesPerRequest: null }, (redis) =>
      redis.on("message", (channel: string, message: string) => this.dispatch(channel, message)),
    );
  }

  /**
   * Runs `work` with the shared command connection. Work runs in call order,
   * so fire-and-forget commands keep their order. Never issue a blocking
   * command (BLPOP, XREAD BLOCK) here: it would stall every feature.
   */
  command<T>(work: (redis: Redis) => T | Promise<T>): Promise<T> {
    return this.commands.run(work);
  }

  /** Calls `listener` with each message published on `channel`, until `unsubscribe`. */
  subscribe(channel: string, listener: (message: string) => void): Subscription {
    let entry = this.channels.get(channel);
    if (!entry) {
      const ready = this.subscriber.run((redis) => redis.subscribe(channel)).then(() => {});
      ready.catch((error: unknown) => logRedisError("subscriber", error));
      entry = { listeners: new Set(), ready };
      this.channels.set(channel, entry);
    }
    const subscribed = entry;
    // Wrapped: the same function may subscribe twice and unsubscribe once.
    const own = (message: string) => listener(message);
    subscribed.listeners.add(own);
    let active = true;
    return {
      ready: subscribed.ready,
      unsubscribe: () => {
        if (!active) return;
        active = false;
        subscribed.listeners.delete(own);
        if (subscribed.listeners.size > 0 || this.channels.get(channel) !== subscribed) return;
        this.channels.delete(channel);
        void this.subscriber.run((redis) => redis.unsubscribe(channel)).catch(() => {});
      },
    };
  }

  /** Local listeners of `channel` (tests: a subscription is given back). */
  listenerCount(channel: string): number {
    return this.channels.get(channel)?.listeners.size ?? 0;
  }

  private dispatch(channel: string, message: string) {
    for (const listener of this.channels.get(channel)?.listeners ?? []) {
      try {
        listener(message);
      } catch (error) {
        logRedisError(`listener on ${channel}`, error);
      }
    }
  }

  /** Closes both connections (tests, shutdown); the process's shared entry for this URL is forgotten. */
  async close(): Promise<void> {
    if (globalForRedis.parleyRedis?.get(this.url) === this) globalForRedis.parleyRedis.delete(this.url);
    this.channels.clear();
    await Promise.all([this.commands.close(), this.subscriber.close()]);
  }
}

const globalForRedis = globalThis as unknown as { parleyRedis?: Map<string, RedisConnections> };

/** The process's connections to the Redis at `url` (one set per URL, shared by every feature). */
export function redisConnections(url: string): RedisConnections {
  const all = (globalForRedis.parleyRedis ??= new Map());
  let connections = all.get(url);
  if (!connections) {
    connections = new RedisConnections(url);
    all.set(url, connections);
  }
  return connections;
}
