import { config } from "../config";
import type { StoredMessage } from "../db/queries/messages";
import { SSE_HEADERS, sseEvent, streamResponse } from "../http/sse";
import { streamStore, turnRegistry } from "./streams";

const encoder = new TextEncoder();
const HEARTBEAT = encoder.encode(": heartbeat\n\n");

/**
 * An answer's stream as server-sent events, read from the stream store:
 * every event after `afterSeq` (its `id:` is its sequence number, so a client
 * can resume with Last-Event-ID), then each new one until the answer ends.
 * A comment every STREAM_HEARTBEAT_MS keeps proxies from closing an idle
 * stream and tells the client the connection is alive. Reading stops when the
 * client goes away; the generation does not. Null when there is no such
 * stream (never started, or ended and expired).
 */
export async function answerStreamResponse(
  streamId: string,
  afterSeq: number,
  requestSignal: AbortSignal,
  {
    headers = {},
    chatId,
    onFirstEvent,
    onEnd,
  }: {
    headers?: Record<string, string>;
    chatId: string;
    /** The first event went out (a resume's time to first replayed byte). */
    onFirstEvent?: () => void;
    /** Reading ended: the answer ended (true), or the client went away first (false). */
    onEnd?: (complete: boolean) => void;
  },
): Promise<Response | null> {
  const reading = new AbortController();
  const stopReading = () => reading.abort("client disconnected");
  requestSignal.addEventListener("abort", stopReading, { once: true });
  const events = streamStore().read(streamId, afterSeq, reading.signal)[Symbol.asyncIterator]();
  const first = await events.next();
  if (first.done) {
    requestSignal.removeEventListener("abort", stopReading);
    return null;
  }
  return streamResponse(
    async (write, signal) => {
      signal.addEventListener("abort", stopReading, { once: true });
      let quiet = false;
      const heartbeat = setInterval(() => {
        write(HEARTBEAT);
        // Silent since the last heartbeat and no longer anyone's running turn: its server died
        // (its lease lapsed). Stop following; the client reloads the answer, now "interrupted".
        if (quiet) {
          void turnRegistry()
            .active(chatId)
            .then((active) => active?.streamId !== streamId && stopReading())
            .catch(() => {});
        }
        quiet = true;
      }, config.chat.heartbeatMs);
      try {
        write(sseEvent(first.value.seq, first.value.data));
        onFirstEvent?.();
        for (let next = await events.next(); !next.done; next = await events.next()) {
          quiet = false;
          write(sseEvent(next.value.seq, next.value.data));
        }
      } finally {
        clearInterval(heartbeat);
        requestSignal.removeEventListener("abort", stopReading);
        onEnd?.(!reading.signal.aborted);
      }
    },
    { headers: { ...headers, "x-vercel-ai-ui-message-stream": "v1" } },
  );
}

/** The sequence number a resuming client last saw (Last-Event-ID), 0 for the whole stream. */
export function lastEventId(request: Request): number {
  const raw = request.headers.get("last-event-id");
  const seq = raw === null ? 0 : Number(raw);
  return Number.isSafeInteger(seq) && seq > 0 ? seq : 0;
}

/**
 * A stored answer as the stream it was (start, its text, its sources, finish),
 * for a client whose stream has long expired from the store: a retried send
 * that already went through, or a resume after the retention.
 */
export function storedAnswerResponse(message: StoredMessage, headers: Record<string, string> = {}): Response {
  const parts = (message.parts as Array<{ type: string; text?: string; data?: unknown }>) ?? [];
  const text = parts.filter((p) => p.type === "text").map((p) => p.text ?? "").join("");
  const knowledge = parts.find((p) => p.type === "data-knowledge");
  const metadata = {
    status: message.status,
    model: message.model,
    error: message.error ?? undefined,
    ttftMs: message.ttftMs ?? undefined,
    completionTokens: message.completionTokens ?? undefined,
  };
  const textId = `${message.id}-text`;
  const chunks: unknown[] = [
    { type: "start", messageId: message.id, messageMetadata: metadata },
    ...(text ? [{ type: "text-start", id: textId }, { type: "text-delta", id: textId, delta: text }, { type: "text-end", id: textId }] : []),
    ...(knowledge ? [{ type: "data-knowledge", id: `${message.id}-knowledge`, data: knowledge.data }] : []),
    ...(message.error ? [{ type: "error", errorText: message.error }] : []),
    { type: "finish", finishReason: message.status === "complete" ? "stop" : "other", messageMetadata: metadata },
    "[DONE]",
  ];
  const body = chunks.map((chunk, i) => new TextDecoder().decode(sseEvent(i + 1, chunk))).join("");
  return new Response(body, { headers: { ...SSE_HEADERS, ...headers, "x-vercel-ai-ui-message-stream": "v1" } });
}
