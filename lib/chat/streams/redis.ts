/**
 * Answer streams and running turns in Redis, shared by every Parley instance.
 *
 * A stream is a Redis stream `<prefix>stream:<id>` whose entry ids are the
 * events' sequence numbers (`<seq>-0`, fields `seq` and `data`), so a replay
 * after `afterSeq` is one XRANGE from `<afterSeq + 1>-0`. An `open` entry
 * (`0-1`) makes an empty stream exist; `end` adds an entry `end` (an id above
 * every seq) and sets the retention expiry. Each append also PUBLISHes the
 * event on `<prefix>stream-events:<id>` in the same Lua script (only when the
 * XADD succeeded), which is how readers follow live.
 *
 * Why pub/sub rather than XREAD BLOCK for following: every reader in a
 * process shares the process's one subscriber connection (Redis fans each
 * event out once per process), whereas XREAD BLOCK ties up a connection per
 * followed stream, so a bound on connections would make the next follower
 * wait; and stopping a follower is dropping a local listener, not unblocking
 * or killing a connection. Pub/sub may lose messages (a reconnect, a reader
 * too slow for its buffer): a reader notices the gap in the seqs and reads
 * the missing events with XRANGE, and checks the stream with XRANGE after
 * IDLE_CHECK_MS of silence (so a lost end, or an expired stream, still ends it).
 */
import { logRedisError, redisScript, type RedisConnections, type Subscription } from "../../redis/client";
import { StopListeners } from "./stop-listeners";
import { ABANDONED_STREAM_MS, type ActiveTurn, type StreamEvent, type StreamStore, type TurnRegistry } from "./types";

/** Entries per XRANGE while catching up. */
const PAGE = 500;
/** Live events a reader holds while its consumer is busy; beyond that it drops them and reads the stream instead. */
const LIVE_BUFFER = 2_000;
/** Silence after which a follower looks at the stream itself (a lost message, an expired stream). */
const IDLE_CHECK_MS = 15_000;

const openStream = redisScript<number>(
  "parleyStreamOpen",
  1,
  `if redis.call('EXISTS', KEYS[1]) == 0 then
  redis.call('XADD', KEYS[1], '0-1', 'open', '1')
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
end
return 1`,
);

// XADD fails for a seq not above the last one's (or after the end): nothing is published then.
const appendEvent = redisScript<number>(
  "parleyStreamAppend",
  1,
  `redis.call('XADD', KEYS[1], ARGV[1] .. '-0', 'seq', ARGV[1], 'data', ARGV[2])
redis.call('PEXPIRE', KEYS[1], ARGV[4])
redis.call('PUBLISH', ARGV[3], ARGV[1] .. ':' .. ARGV[2])
return 1`,
);

const endStream = redisScript<number>(
  "parleyStreamEnd",
  1,
  `redis.call('XADD', KEYS[1], '*', 'end', '1')
if tonumber(ARGV[2]) > 0 then redis.call('PEXPIRE', KEYS[1], ARGV[2]) else redis.call('DEL', KEYS[1]) end
redis.call('PUBLISH', ARGV[1], 'end')
return 1`,
);

type Entry = StreamEvent | "end" | null;

/** An XRANGE entry: an event, the end, or the open marker (null). */
function parseEntry([, fields]: [string, string[]]): Entry {
  const values = new Map<string, string>();
  for (let i = 0; i + 1 < fields.length; i += 2) values.set(fields[i]!, fields[i + 1]!);
  if (values.has("end")) return "end";
  const seq = values.get("seq");
  return seq === undefined ? null : { seq: Number(seq), data: values.get("data") ?? "" };
}

/** A published message: `<seq>:<data>` or `end`. */
function parseMessage(message: string): StreamEvent | "end" {
  if (message === "end") return "end";
  const colon = message.indexOf(":");
  return { seq: Number(message.slice(0, colon)), data: message.slice(colon + 1) };
}

const ABORTED = Symbol("aborted");

/** `promise`, or ABORTED as soon as `signal` aborts (the promise is still handled). */
function unlessAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T | typeof ABORTED> {
  if (signal.aborted) {
    promise.catch(() => {});
    return Promise.resolve(ABORTED);
  }
  return new Promise((resolve, reject) => {
    const onAbort = () => resolve(ABORTED);
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener("abort", onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener("abort", onAbort);
        reject(error);
      },
    );
  });
}

export interface RedisStreamOptions {
  /** Namespaces every key and channel (tests use their own). */
  prefix?: string;
  idleCheckMs?: number;
  liveBuffer?: number;
}

export class RedisStreamStore implements StreamStore {
  private readonly pending = new Set<Promise<unknown>>();
  private readonly prefix: string;
  private readonly idleCheckMs: number;
  private readonly liveBuffer: number;

  constructor(
    private readonly redis: RedisConnections,
    options: RedisStreamOptions = {},
  ) {
    this.prefix = options.prefix ?? "parley:";
    this.idleCheckMs = options.idleCheckMs ?? IDLE_CHECK_MS;
    this.liveBuffer = options.liveBuffer ?? LIVE_BUFFER;
  }

  open(streamId: string): void {
    this.write((redis) => openStream(redis, this.key(streamId), ABANDONED_STREAM_MS));
  }

  append(streamId: string, event: StreamEvent): void {
    this.write((redis) => appendEvent(redis, this.key(streamId), event.seq, event.data, this.channel(streamId), ABANDONED_STREAM_MS));
  }

  end(streamId: string, ttlMs: number): void {
    this.write((redis) => endStream(redis, this.key(streamId), this.channel(streamId), Math.max(0, Math.ceil(ttlMs))));
  }

  async flush(): Promise<void> {
    await Promise.all([...this.pending]);
  }

  /** Sent in call order on the shared connection, never awaited by the caller. */
  private write(work: Parameters<RedisConnections["command"]>[0]) {
    const done = this.redis.command(work).then(
      () => {},
      (error: unknown) => logRedisError("answer streams", error),
    );
    this.pending.add(done);
    void done.finally(() => this.pending.delete(done));
  }

  async *read(streamId: string, afterSeq: number, signal: AbortSignal): AsyncGenerator<StreamEvent> {
    if (signal.aborted) return;
    const key = this.key(streamId);
    const live: Array<StreamEvent | "end"> = [];
    let overflowed = false;
    let wakeUp: (() => void) | undefined;
    const wake = () => {
      const resolve = wakeUp;
      wakeUp = undefined;
      resolve?.();
    };
    // Subscribed before the first XRANGE: an event appended in between is in `live`.
    const subscription: Subscription = this.redis.subscribe(this.channel(streamId), (message) => {
      if (overflowed) return;
      if (live.length < this.liveBuffer) live.push(parseMessage(message));
      else {
        live.length = 0;
        overflowed = true;
      }
      wake();
    });
    signal.addEventListener("abort", wake, { once: true });
    try {
      if ((await unlessAborted(subscription.ready, signal)) === ABORTED) return;
      let last = afterSeq;
      let catchUp = true;
      while (!signal.aborted) {
        if (catchUp) {
          // Everything buffered so far was published before this XRANGE runs: it covers them.
          live.length = 0;
          overflowed = false;
          const page = await unlessAborted(this.range(key, last + 1), signal);
          if (page === ABORTED) return;
          if (page.length === 0) {
            // Nothing after `last`: gone (expired), or ended. The end entry's id is not a seq, so a
            // reader from beyond every seq (stopChat waits from MAX_SAFE_INTEGER) finds it only here.
            const tail = await unlessAborted(this.lastEntry(key), signal);
            if (tail === ABORTED || tail === undefined || tail === "end") return;
          }
          for (const entry of page) {
            if (entry === "end") return;
            if (entry === null || entry.seq <= last) continue;
            yield entry;
            last = entry.seq;
            if (signal.aborted) return;
          }
          catchUp = page.length === PAGE;
          continue;
        }
        const message = live.shift();
        if (message === undefined) {
          if (overflowed) {
            catchUp = true;
            continue;
          }
          catchUp = !(await this.nextMessage((resolve) => (wakeUp = resolve)));
          continue;
        }
        if (message === "end" || message.seq > last + 1) {
          // The end (read the rest up to the end entry), or a gap: lost messages.
          catchUp = true;
          continue;
        }
        if (message.seq <= last) continue;
        yield message;
        last = message.seq;
      }
    } finally {
      signal.removeEventListener("abort", wake);
      subscription.unsubscribe();
    }
  }

  /** True when woken (a message, the abort), false after `idleCheckMs` of silence. */
  private nextMessage(onWake: (resolve: () => void) => void): Promise<boolean> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(false), this.idleCheckMs).unref();
      onWake(() => {
        clearTimeout(timer);
        resolve(true);
      });
    });
  }

  /** The stream's last entry, undefined when the stream does not exist. */
  private async lastEntry(key: string): Promise<Entry | undefined> {
    const entries = (await this.redis.command((redis) => redis.xrevrange(key, "+", "-", "COUNT", 1))) as [string, string[]][];
    return entries[0] && parseEntry(entries[0]);
  }

  private async range(key: string, fromSeq: number): Promise<Entry[]> {
    const start = `${Math.max(0, Math.floor(fromSeq))}-0`;
    const entries = await this.redis.command((redis) => redis.xrange(key, start, "+", "COUNT", PAGE));
    return (entries as [string, string[]][]).map(parseEntry);
  }

  private key(streamId: string) {
    return `${this.prefix}stream:${streamId}`;
  }

  private channel(streamId: string) {
    return `${this.prefix}stream-events:${streamId}`;
  }
}

const claimTurn = redisScript<string | null>(
  "parleyTurnClaim",
  1,
  `if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return false end
return redis.call('GET', KEYS[1])`,
);

const renewTurn = redisScript<number>(
  "parleyTurnRenew",
  1,
  `local held = redis.call('GET', KEYS[1])
if held and cjson.decode(held).streamId == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0`,
);

const releaseTurn = redisScript<number>(
  "parleyTurnRelease",
  1,
  `local held = redis.call('GET', KEYS[1])
if held and cjson.decode(held).streamId == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`,
);

export class RedisTurnRegistry implements TurnRegistry {
  private readonly stops = new StopListeners();
  private subscription?: Subscription;
  private readonly prefix: string;

  /** `prefix` namespaces every key and channel (tests use their own). */
  constructor(
    private readonly redis: RedisConnections,
    options: { prefix?: string } = {},
  ) {
    this.prefix = options.prefix ?? "parley:";
  }

  async claim(chatId: string, turn: ActiveTurn, leaseMs: number): Promise<{ claimed: true } | { claimed: false; active: ActiveTurn }> {
    const listening = this.listenForStops().ready.catch(() => {});
    const held = await this.redis.command((redis) => claimTurn(redis, this.key(chatId), JSON.stringify(turn), leaseMs));
    if (held !== null) return { claimed: false, active: JSON.parse(held) as ActiveTurn };
    // The owner hears a Stop made as soon as its claim is visible.
    await listening;
    return { claimed: true };
  }

  async active(chatId: string): Promise<ActiveTurn | null> {
    const held = await this.redis.command((redis) => redis.get(this.key(chatId)));
    return held === null ? null : (JSON.parse(held) as ActiveTurn);
  }

  async renew(chatId: string, streamId: string, leaseMs: number): Promise<boolean> {
    return (await this.redis.command((redis) => renewTurn(redis, this.key(chatId), streamId, leaseMs))) === 1;
  }

  async release(chatId: string, streamId: string): Promise<void> {
    await this.redis.command((redis) => releaseTurn(redis, this.key(chatId), streamId));
  }

  async requestStop(chatId: string, streamId: string): Promise<void> {
    await this.redis.command((redis) => redis.publish(this.stopChannel(), JSON.stringify({ chatId, streamId })));
  }

  onStopRequest(listener: (chatId: string, streamId: string) => void): () => void {
    this.listenForStops();
    return this.stops.add(listener);
  }

  /** One subscription per registry, kept: the first claim waits for it, later ones find it ready. */
  private listenForStops(): Subscription {
    this.subscription ??= this.redis.subscribe(this.stopChannel(), (message) => {
      const { chatId, streamId } = JSON.parse(message) as { chatId: string; streamId: string };
      this.stops.emit(chatId, streamId);
    });
    return this.subscription;
  }

  private key(chatId: string) {
    return `${this.prefix}turn:${chatId}`;
  }

  private stopChannel() {
    return `${this.prefix}turn-stops`;
  }
}
