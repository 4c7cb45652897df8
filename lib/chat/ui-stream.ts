import { DeltaCoalescer, sseData, sseEvent, streamResponse } from "../http/sse";
import type { TurnEvent, TurnResult } from "./turn";

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

/**
 * Streams a turn to the chat UI as an AI SDK UI message stream (SSE), each event
 * numbered with an `id:` so a later reconnect can resume after the last one.
 */
export function uiMessageStreamResponse(
  options: {
    messageId: string;
    requestId: string;
    requestSignal: AbortSignal;
    headers?: Record<string, string>;
  },
  run: (emit: (event: TurnEvent) => void, signal: AbortSignal) => Promise<unknown>,
): Response {
  return streamResponse(
    async (write, signal) => {
      let seq = 0;
      const send = (chunk: unknown) => write(sseEvent(++seq, chunk));
      const textId = `${options.messageId}-text`;
      let textOpen = false;
      const coalescer = new DeltaCoalescer((delta) => send({ type: "text-delta", id: textId, delta }));
      send({ type: "start", messageId: options.messageId, messageMetadata: { requestId: options.requestId } });
      await run((event) => {
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
        write(sseData("[DONE]"));
      }, signal);
    },
    { requestSignal: options.requestSignal, headers: { ...options.headers, "x-vercel-ai-ui-message-stream": "v1" } },
  );
}

function finishReasonFor(result: TurnResult): string {
  if (result.outcome === "complete") return result.finishReason;
  return result.outcome === "aborted" ? "other" : "error";
}
