import type { TurnEvent, TurnResult } from "./turn";
import { DeltaCoalescer } from "../http/sse";

/** Metadata the UI shows under an answer (status, model, latency). */
export interface AnswerMetadata {
  status: TurnResult["status"];
  model: string;
  error?: string;
  ttftMs?: number;
  completionTokens?: number;
  tokensPerSec?: number;
  requestId?: string;
}

/** A UI message stream chunk (AI SDK), or the stream's closing "[DONE]". */
export type UiChunk = Record<string, unknown> | "[DONE]";

/**
 * Turns a turn's events into AI SDK UI message stream chunks: a start, text
 * deltas (coalesced, the first one at once), the knowledge base's sources, the
 * answer's metadata and a finish. `send` gets them in order.
 */
export function uiChunkEncoder(options: { messageId: string; requestId: string }, send: (chunk: UiChunk) => void) {
  const textId = `${options.messageId}-text`;
  let textOpen = false;
  const coalescer = new DeltaCoalescer((delta) => send({ type: "text-delta", id: textId, delta }));
  return {
    start() {
      send({ type: "start", messageId: options.messageId, messageMetadata: { requestId: options.requestId, status: "streaming" } });
    },
    event(event: TurnEvent) {
      if (event.type === "delta") {
        if (!textOpen) {
          textOpen = true;
          send({ type: "text-start", id: textId });
        }
        coalescer.push(event.text);
        return;
      }
      coalescer.flush();
      if (textOpen) send({ type: "text-end", id: textId });
      const result = event.result;
      if (result.knowledge) send({ type: "data-knowledge", id: `${options.messageId}-knowledge`, data: result.knowledge });
      const metadata: AnswerMetadata = {
        status: result.status,
        model: result.model,
        error: result.error?.message,
        ttftMs: result.ttftMs,
        completionTokens: result.completionTokens,
        requestId: options.requestId,
      };
      if (result.error) {
        // The client stops reading at an error: send the status before it.
        send({ type: "message-metadata", messageMetadata: metadata });
        send({ type: "error", errorText: result.error.message });
      }
      send({ type: "finish", finishReason: finishReasonFor(result), messageMetadata: metadata });
      send("[DONE]");
    },
    /** Ends a stream that failed before the turn could start (the chat was refused, the store failed). */
    fail(message: string) {
      send({ type: "error", errorText: message });
      send("[DONE]");
    },
  };
}

function finishReasonFor(result: TurnResult): string {
  if (result.outcome === "complete") return result.finishReason;
  return result.outcome === "aborted" ? "other" : "error";
}
