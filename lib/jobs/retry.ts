/**
 * Background work that needs the database (the ingestion worker, trace
 * pruning, the trace writer) must not give up when the database is down at
 * start or goes away later: it tries again, waiting longer after each failure
 * (exponential backoff, capped) with jitter, so many processes coming back at
 * once do not all knock at the same moment.
 */

export interface BackoffOptions {
  /** The first wait (default 1 s). */
  baseMs?: number;
  /** No wait is longer than this (default 30 s). */
  maxMs?: number;
}

/**
 * The wait before retry number `attempt` (0-based): base * 2^attempt, capped
 * at max, of which a random half ("equal jitter"): never less than half the
 * step, so retries do not bunch up near zero.
 */
export function backoffMs(attempt: number, { baseMs = 1_000, maxMs = 30_000 }: BackoffOptions = {}, random = Math.random): number {
  const step = Math.min(maxMs, baseMs * 2 ** Math.min(attempt, 30));
  return step / 2 + (random() * step) / 2;
}

export interface Retrying {
  /** The task has succeeded. */
  readonly done: boolean;
  /** Failed attempts so far. */
  readonly failures: number;
  /** The last failure's message, until the task succeeds. */
  readonly error: string | undefined;
  /** Stops retrying (a shutdown, a test); a running attempt finishes. */
  stop(): void;
}

/**
 * Runs `task` now and, while it fails, again after backoffMs, until it
 * succeeds or `stop()` is called. `onError` hears each failure and the wait
 * before the next try. Timers never keep the process alive.
 */
export function retryUntilDone(
  task: () => Promise<void>,
  {
    onError,
    retryIf = () => true,
    ...backoff
  }: BackoffOptions & {
    /** Hears each failure, and the wait before the next try (undefined: no retry). */
    onError?: (error: Error, retryInMs: number | undefined) => void;
    /** A failure this rejects ends the retries (e.g. only an unreachable database is worth waiting for). */
    retryIf?: (error: Error) => boolean;
  } = {},
): Retrying {
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  const state = {
    done: false,
    failures: 0,
    error: undefined as string | undefined,
    stop() {
      stopped = true;
      clearTimeout(timer);
    },
  };
  const attempt = async () => {
    if (stopped) return;
    try {
      await task();
      state.done = true;
      state.error = undefined;
    } catch (caught) {
      const error = caught instanceof Error ? caught : new Error(String(caught));
      const wait = retryIf(error) ? backoffMs(state.failures, backoff) : undefined;
      state.failures++;
      state.error = error.message;
      onError?.(error, wait);
      if (!stopped && wait !== undefined) timer = setTimeout(() => void attempt(), wait).unref();
    }
  };
  void attempt();
  return state;
}

/** Error codes of a database that cannot be reached right now (network, restart, overload). */
const UNAVAILABLE_CODES = new Set(["ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "EHOSTUNREACH", "ENETUNREACH", "ENOTFOUND", "EAI_AGAIN", "EPIPE", "57P01", "57P02", "57P03", "53300"]);
const UNAVAILABLE_MESSAGE = /connection terminated|connection timeout|timeout exceeded when trying to connect|the embedded database thread exited|is in use by process|pool after calling end/i;

/**
 * Is this the database being unreachable (down, restarting, refusing
 * connections, its folder held by another process), which waiting cures,
 * rather than a failing statement, which it does not?
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code === "string" && (UNAVAILABLE_CODES.has(code) || /^08/.test(code))) return true;
  if (error instanceof AggregateError && error.errors.some(isDatabaseUnavailable)) return true;
  return UNAVAILABLE_MESSAGE.test(error.message) || (error.cause !== undefined && isDatabaseUnavailable(error.cause));
}
