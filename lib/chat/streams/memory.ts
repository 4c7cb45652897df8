/**
 * Answer streams and running turns in this process's memory: for a single
 * Parley process (no REDIS_URL). Bounded: an ended stream is forgotten after
 * its TTL, an abandoned one after ABANDONED_STREAM_MS, a lapsed claim when its
 * lease runs out; none of their timers keeps the process alive.
 */
import { StopListeners } from "./stop-listeners";
import { ABANDONED_STREAM_MS, type ActiveTurn, type StreamEvent, type StreamStore, type TurnRegistry } from "./types";

/** setTimeout's longest delay (~24.8 days); a longer one would fire at once. */
const MAX_TIMER_MS = 2 ** 31 - 1;

function unrefTimer(ms: number, run: () => void): NodeJS.Timeout {
  return setTimeout(run, Math.min(Math.max(0, ms), MAX_TIMER_MS)).unref();
}

interface MemoryStream {
  readonly events: StreamEvent[];
  ended: boolean;
  /** Readers waiting for the next event (or the end); each is called once. */
  readonly waiting: Set<() => void>;
  timer: NodeJS.Timeout;
}

export class MemoryStreamStore implements StreamStore {
  private readonly streams = new Map<string, MemoryStream>();

  open(streamId: string): void {
    this.stream(streamId);
  }

  append(streamId: string, event: StreamEvent): void {
    const stream = this.stream(streamId);
    const last = stream.events.at(-1);
    if (stream.ended || (last && event.seq <= last.seq)) {
      console.warn(`[parley] stream ${streamId}: event ${event.seq} refused (${stream.ended ? "after the end" : `not after ${last?.seq}`})`);
      return;
    }
    stream.events.push({ seq: event.seq, data: event.data });
    stream.timer.refresh();
    wake(stream);
  }

  end(streamId: string, ttlMs: number): void {
    const stream = this.stream(streamId);
    stream.ended = true;
    clearTimeout(stream.timer);
    stream.timer = unrefTimer(ttlMs, () => this.drop(streamId, stream));
    wake(stream);
  }

  async *read(streamId: string, afterSeq: number, signal: AbortSignal): AsyncGenerator<StreamEvent> {
    const stream = this.streams.get(streamId);
    if (!stream || signal.aborted) return;
    let next = firstAfter(stream.events, afterSeq);
    let waker: (() => void) | undefined;
    const onAbort = () => waker?.();
    signal.addEventListener("abort", onAbort, { once: true });
    try {
      for (;;) {
        while (next < stream.events.length) {
          // A copy: readers share the stored events, consumers must not change them.
          const { seq, data } = stream.events[next++]!;
          yield { seq, data };
          if (signal.aborted) return;
        }
        if (stream.ended) return;
        await new Promise<void>((resolve) => {
          waker = resolve;
          stream.waiting.add(resolve);
        });
        if (signal.aborted) return;
      }
    } finally {
      signal.removeEventListener("abort", onAbort);
      if (waker) stream.waiting.delete(waker);
    }
  }

  async flush(): Promise<void> {}

  private stream(streamId: string): MemoryStream {
    let stream = this.streams.get(streamId);
    if (!stream) {
      const created: MemoryStream = { events: [], ended: false, waiting: new Set(), timer: undefined as unknown as NodeJS.Timeout };
      created.timer = unrefTimer(ABANDONED_STREAM_MS, () => this.drop(streamId, created));
      this.streams.set(streamId, created);
      stream = created;
    }
    return stream;
  }

  /** Forgets the stream; readers still following it finish what they have and return. */
  private drop(streamId: string, stream: MemoryStream) {
    if (this.streams.get(streamId) === stream) this.streams.delete(streamId);
    stream.ended = true;
    wake(stream);
  }
}

function wake(stream: MemoryStream) {
  const waiting = [...stream.waiting];
  stream.waiting.clear();
  for (const resolve of waiting) resolve();
}

/** Index of the first event with seq > afterSeq (events are in seq order). */
function firstAfter(events: StreamEvent[], afterSeq: number): number {
  let low = 0;
  let high = events.length;
  while (low < high) {
    const middle = (low + high) >> 1;
    if (events[middle]!.seq <= afterSeq) low = middle + 1;
    else high = middle;
  }
  return low;
}

interface Claim {
  turn: ActiveTurn;
  timer: NodeJS.Timeout;
}

export class MemoryTurnRegistry implements TurnRegistry {
  private readonly claims = new Map<string, Claim>();
  private readonly stops = new StopListeners();

  async claim(chatId: string, turn: ActiveTurn, leaseMs: number): Promise<{ claimed: true } | { claimed: false; active: ActiveTurn }> {
    const held = this.claims.get(chatId);
    if (held) return { claimed: false, active: { ...held.turn } };
    const claim: Claim = { turn: { ...turn }, timer: this.lapse(chatId, leaseMs) };
    this.claims.set(chatId, claim);
    return { claimed: true };
  }

  async active(chatId: string): Promise<ActiveTurn | null> {
    const held = this.claims.get(chatId);
    return held ? { ...held.turn } : null;
  }

  async renew(chatId: string, streamId: string, leaseMs: number): Promise<boolean> {
    const held = this.claims.get(chatId);
    if (held?.turn.streamId !== streamId) return false;
    clearTimeout(held.timer);
    held.timer = this.lapse(chatId, leaseMs);
    return true;
  }

  async release(chatId: string, streamId: string): Promise<void> {
    const held = this.claims.get(chatId);
    if (held?.turn.streamId !== streamId) return;
    clearTimeout(held.timer);
    this.claims.delete(chatId);
  }

  async requestStop(chatId: string, streamId: string): Promise<void> {
    this.stops.emit(chatId, streamId);
  }

  onStopRequest(listener: (chatId: string, streamId: string) => void): () => void {
    return this.stops.add(listener);
  }

  /** The lease: when it runs out the claim goes, unless renewed (which replaces this timer). */
  private lapse(chatId: string, leaseMs: number): NodeJS.Timeout {
    const timer = unrefTimer(leaseMs, () => {
      if (this.claims.get(chatId)?.timer === timer) this.claims.delete(chatId);
    });
    return timer;
  }
}
