import { parseSse, type SseEvent } from "./app";

/**
 * Follows an SSE response as it arrives: `events` grows with each complete
 * event (heartbeat comments left out), `ended` resolves when the server ends
 * the stream (or it breaks). For tests that act while an answer streams.
 */
export interface SseFollower {
  readonly events: SseEvent[];
  /** When each of `events` arrived (Date.now()), same order. */
  readonly times: number[];
  /** Resolves when the response body ends: `true` if the server ended it, `false` if it broke. */
  readonly ended: Promise<boolean>;
  /** Resolves once `until(events)` holds (rejects if the stream ends first). */
  waitFor(until: (events: SseEvent[]) => boolean): Promise<SseEvent[]>;
  /** Drops the connection (a reload). */
  cancel(): Promise<void>;
}

export function followSse(response: Response): SseFollower {
  const events: SseEvent[] = [];
  const times: number[] = [];
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  const waiters: Array<{ until: (events: SseEvent[]) => boolean; resolve: (events: SseEvent[]) => void; reject: (error: Error) => void }> = [];
  let finished = false;
  const check = () => {
    for (const waiter of [...waiters]) {
      if (waiter.until(events)) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve(events);
      } else if (finished) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.reject(new Error(`the stream ended first, after ${events.length} events`));
      }
    }
  };
  const ended = (async () => {
    let buffer = "";
    let clean = true;
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += decoder.decode(value, { stream: true });
        const cut = buffer.lastIndexOf("\n\n");
        if (cut < 0) continue;
        const arrived = parseSse(buffer.slice(0, cut + 2)).filter((e) => e.data !== "");
        events.push(...arrived);
        times.push(...arrived.map(() => Date.now()));
        buffer = buffer.slice(cut + 2);
        check();
      }
    } catch {
      clean = false;
    }
    finished = true;
    check();
    return clean;
  })();
  return {
    events,
    times,
    ended,
    waitFor: (until) =>
      new Promise((resolve, reject) => {
        waiters.push({ until, resolve, reject });
        check();
      }),
    cancel: () => reader.cancel().catch(() => {}),
  };
}
