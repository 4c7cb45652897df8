/**
 * Where a chat answer's events live while it is generated and for a while
 * after, so that any client (a reload, a second tab, another Parley instance)
 * can replay it from any point and follow it to the end.
 *
 * Two implementations, chosen in ./index.ts: in-process (one Parley process)
 * and Redis (REDIS_URL: several instances share answers).
 */

/** One event of an answer's stream: its sequence number (1, 2, 3, …) and its SSE data (a UI message chunk as JSON). */
export interface StreamEvent {
  seq: number;
  data: string;
}

/**
 * A stream nobody appends to or ends for this long is dropped (an owner that
 * crashed, or forgot to call `end`): memory and Redis stay bounded.
 */
export const ABANDONED_STREAM_MS = 3 * 60 * 60 * 1000;

export interface StreamStore {
  /**
   * Creates the stream, still empty, so that a reader arriving before the
   * first event waits for it instead of finding nothing. The owner calls it
   * before `TurnRegistry.claim` makes the turn (and so the stream id) visible
   * to other clients; when the claim fails, `end(streamId, 0)` drops it.
   * `append` creates the stream too. Not awaited, like `append`.
   */
  open(streamId: string): void;
  /**
   * Appends the next event. Called in sequence order (increasing `seq`) by
   * the one generation that owns the stream; never awaited on the token path
   * (the store keeps the call order), so a slow store cannot slow the answer.
   * An event whose `seq` is not above the last one's, or that comes after
   * `end`, is refused (and logged).
   */
  append(streamId: string, event: StreamEvent): void;
  /** Marks the stream finished; it is kept `ttlMs` longer for late replays (0: dropped now), then forgotten. */
  end(streamId: string, ttlMs: number): void;
  /**
   * The events after `afterSeq` (0: all of them), then each new one as it is
   * appended, until the stream ends or `signal` aborts (it then returns
   * promptly, without waiting for another event). A stream that does not
   * exist (never opened, or expired) yields nothing and returns at once.
   * Rejects when the store cannot be reached (Redis down).
   */
  read(streamId: string, afterSeq: number, signal: AbortSignal): AsyncIterable<StreamEvent>;
  /** Waits until every open, append and end made so far is stored (tests, shutdown). */
  flush(): Promise<void>;
}

/** The generation running in a chat, as every instance sees it. */
export interface ActiveTurn {
  /** The stream (and the answer's message id). */
  streamId: string;
  /** What the turn answers: `submit:<client message id>` or `regenerate:<message id>`; a duplicate send has the same key. */
  key: string;
  /** The Parley process that runs it. */
  owner: string;
  /** Whose chat it is: only they may attach to it or stop it. */
  userId: string;
  startedAt: number;
}

/**
 * Which chat has an answer being generated, and how to stop it wherever it
 * runs. A claim is a lease: the owner renews it while the answer streams, and
 * it lapses by itself if the owner dies. Lease times are whole milliseconds, > 0.
 */
export interface TurnRegistry {
  /**
   * Claims the chat for a new turn; when another turn holds it, says which
   * (and claims nothing). Of concurrent claims, in any processes, exactly one
   * wins. Once it resolves, this process receives stop requests (see
   * `onStopRequest`).
   */
  claim(chatId: string, turn: ActiveTurn, leaseMs: number): Promise<{ claimed: true } | { claimed: false; active: ActiveTurn }>;
  /** The chat's running turn, if any (null once its lease lapsed). */
  active(chatId: string): Promise<ActiveTurn | null>;
  /** Extends the owner's lease to `leaseMs` from now; false when the claim is no longer this stream's. */
  renew(chatId: string, streamId: string, leaseMs: number): Promise<boolean>;
  /** Gives the chat up (only if `streamId` still holds it). */
  release(chatId: string, streamId: string): Promise<void>;
  /**
   * Asks the owner of `streamId`, in whichever process, to stop it. Delivery
   * is at most once and only to processes connected at that moment: a Stop
   * made while the owner's Redis connection is down is lost (the owner's
   * lease and the user's retry cover that).
   */
  requestStop(chatId: string, streamId: string): Promise<void>;
  /**
   * Calls `listener` for every stop request any process makes (for every
   * chat: the listener checks the stream id); returns the unsubscribe
   * function. A listener added right after `claim` resolved (before awaiting
   * anything else) misses no stop request for that turn.
   */
  onStopRequest(listener: (chatId: string, streamId: string) => void): () => void;
}
