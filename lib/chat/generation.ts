import { randomUUID } from "node:crypto";
import { config } from "../config";
import { checkpointAnswer, interruptAnswer, renewAnswerLease } from "../db/queries/answers";
import type { MessagePart } from "../db/queries/messages";
import { countAnswerStream } from "../telemetry/metrics";
import { streamStore, turnRegistry } from "./streams";
import type { ActiveTurn } from "./streams/types";
import { runTurn, SHUTDOWN_ABORT, type TurnRequest } from "./turn";
import { uiChunkEncoder, type UiChunk } from "./ui-stream";
import { answerParts } from "./conversation";

/**
 * Chat answers owned by the server, not by the request that asked for them:
 * a generation keeps running when its client goes away (reload, tab switch,
 * lost network), appends every event to the stream store for any client to
 * replay, checkpoints its text to the database, and ends only when the model
 * is done, times out, or someone presses Stop (here or on another instance).
 */

/** This Parley process, as the owner of the generations it runs. */
export const INSTANCE_ID = randomUUID();

interface Running {
  chatId: string;
  messageId: string;
  abort: AbortController;
  done: Promise<void>;
  /** The answer as it stands (what a shutdown stores if the generation cannot end in time). */
  parts(): MessagePart[];
}

const globalForGenerations = globalThis as unknown as {
  parleyGenerations?: Map<string, Running>;
  parleyEarlyStops?: Set<string>;
  parleyStopListener?: boolean;
  /** Set once shutdown interrupts generations: one that starts after that is interrupted at once. */
  parleyInterrupting?: boolean;
};
const running = (globalForGenerations.parleyGenerations ??= new Map<string, Running>());
/** Stops that arrived while their turn was still being prepared: it stops as soon as it starts. */
const earlyStops = (globalForGenerations.parleyEarlyStops ??= new Set<string>());

/** Stop requests from any instance reach the generation wherever it runs. */
function listenForStops() {
  if (globalForGenerations.parleyStopListener) return;
  globalForGenerations.parleyStopListener = true;
  turnRegistry().onStopRequest((_chatId, streamId) => {
    const generation = running.get(streamId);
    if (generation) generation.abort.abort("stopped");
    else earlyStops.add(streamId);
  });
}

/** A stream's writer: events numbered 1, 2, 3… in the order they are sent. */
export function streamWriter(streamId: string) {
  const store = streamStore();
  let seq = 0;
  return (chunk: UiChunk) => store.append(streamId, { seq: ++seq, data: typeof chunk === "string" ? chunk : JSON.stringify(chunk) });
}

export interface Claim {
  claimed: true;
  turn: ActiveTurn;
}

/**
 * Claims the chat for a new answer. A duplicate of the running turn (the
 * same client message sent twice, a double-clicked regenerate) gets that
 * turn back to attach to; any other send while an answer runs gets `busy`.
 */
export async function claimChat(
  chatId: string,
  userId: string,
  key: string,
): Promise<Claim | { claimed: false; duplicate: boolean; turn: ActiveTurn }> {
  listenForStops();
  const turn: ActiveTurn = { streamId: randomUUID(), key, owner: INSTANCE_ID, userId, startedAt: Date.now() };
  // Opened before the claim: a duplicate that sees the claim finds a stream to follow.
  streamStore().open(turn.streamId);
  const result = await turnRegistry().claim(chatId, turn, config.chat.leaseMs);
  if (result.claimed) return { claimed: true, turn };
  streamStore().end(turn.streamId, 0);
  return { claimed: false, duplicate: result.active.key === key && result.active.userId === userId, turn: result.active };
}

/** Gives up a claim whose turn never started (the request was refused), ending its stream with the reason. */
export async function abandonClaim(chatId: string, turn: ActiveTurn, send: (chunk: UiChunk) => void, reason: string) {
  uiChunkEncoder({ messageId: turn.streamId, requestId: "" }, send).fail(reason);
  streamStore().end(turn.streamId, config.chat.streamRetentionMs);
  await turnRegistry().release(chatId, turn.streamId);
}

/** Gives up a claim whose turn is not needed after all (the send had been answered before). */
export async function releaseClaim(chatId: string, turn: ActiveTurn) {
  streamStore().end(turn.streamId, 0);
  await turnRegistry().release(chatId, turn.streamId);
}

/**
 * Runs a prepared turn detached from any request. `send` already carried the
 * stream's start event; `abort` is the turn's own signal (Stop, shutdown).
 */
export function runGeneration(
  chatId: string,
  turn: ActiveTurn,
  request: TurnRequest,
  abort: AbortController,
  send: (chunk: UiChunk) => void,
  encoder: ReturnType<typeof uiChunkEncoder>,
): Promise<void> {
  if (earlyStops.delete(turn.streamId)) abort.abort("stopped");
  if (globalForGenerations.parleyInterrupting) abort.abort(SHUTDOWN_ABORT);
  let text = "";
  let saved = "";
  const checkpoint = async () => {
    const renewed = await turnRegistry().renew(chatId, turn.streamId, config.chat.leaseMs).catch(() => true);
    // Another process took the chat over (this one was presumed dead): stop rather than write twice.
    if (!renewed) abort.abort("lease lost");
    if (text === saved) return renewAnswerLease(request.messageId, INSTANCE_ID, config.chat.leaseMs);
    saved = text;
    return checkpointAnswer(request.messageId, answerParts({ text }), INSTANCE_ID, config.chat.leaseMs);
  };
  let pending: Promise<void> = Promise.resolve();
  const timer = setInterval(() => {
    // One checkpoint at a time: a slow database delays the next, never piles them up.
    pending = pending.then(checkpoint).catch((error) => console.warn("[parley] answer checkpoint failed", error));
  }, config.chat.checkpointMs);
  timer.unref();

  const done: Promise<void> = runTurn(request, (event) => {
    if (event.type === "delta") text += event.text;
    encoder.event(event);
  })
    .then(() => {})
    .catch((error) => {
      console.error("[parley] generation failed", error);
      encoder.fail("The answer failed on the server.");
    })
    .finally(async () => {
      clearInterval(timer);
      await pending;
      streamStore().end(turn.streamId, config.chat.streamRetentionMs);
      await turnRegistry().release(chatId, turn.streamId).catch(() => {});
      running.delete(turn.streamId);
    });
  running.set(turn.streamId, { chatId, messageId: request.messageId, abort, done, parts: () => answerParts({ text }) });
  return done;
}

/**
 * Stops the chat's running answer wherever it runs, and waits (briefly) until
 * it has ended, so the stored partial answer is there when this returns.
 */
export async function stopChat(chatId: string, userId: string): Promise<{ stopped: boolean }> {
  const active = await turnRegistry().active(chatId);
  if (!active || active.userId !== userId) return { stopped: false };
  countAnswerStream("stop");
  const local = running.get(active.streamId);
  if (local) {
    local.abort.abort("stopped");
    await Promise.race([local.done, sleep(5_000)]);
    return { stopped: true };
  }
  await turnRegistry().requestStop(chatId, active.streamId);
  // Another instance runs it: its stream ends once the partial answer is stored.
  const signal = AbortSignal.timeout(5_000);
  for await (const _ of streamStore().read(active.streamId, Number.MAX_SAFE_INTEGER, signal)) {
    // Nothing comes after the last event: the loop ends when the stream does.
  }
  return { stopped: true };
}

/** Generations running in this process (shutdown drains them). */
export function runningGenerations(): ReadonlyMap<string, Running> {
  return running;
}

/**
 * Shutdown, once the drain is over: stops every generation still running
 * here so that each stores its text as "interrupted" (the user did not stop
 * it), and waits up to `waitMs` for them to end. One that has not ended by
 * then (a database too slow to take its final write) is marked interrupted
 * with the text it had. Returns how many were interrupted.
 */
export async function interruptAll(waitMs = 5_000): Promise<number> {
  globalForGenerations.parleyInterrupting = true;
  const remaining = [...running.values()];
  for (const generation of remaining) generation.abort.abort(SHUTDOWN_ABORT);
  await Promise.race([Promise.allSettled(remaining.map((generation) => generation.done)), sleep(waitMs)]);
  await Promise.allSettled(
    [...running.values()].map((generation) =>
      interruptAnswer(generation.messageId, generation.parts()).catch((error) => console.warn("[parley] could not mark an answer interrupted", error)),
    ),
  );
  if (remaining.length > 0) countAnswerStream("interrupted", remaining.length);
  return remaining.length;
}

function sleep(ms: number) {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
