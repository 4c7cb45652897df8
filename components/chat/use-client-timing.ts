"use client";

import { useCallback, useEffect, useRef } from "react";
import type { UiMessage, UiMessageMetadata } from "@/lib/chat/ui-messages";

interface PendingRequest {
  sentAt: number;
  requestId?: string;
  connectMs?: number;
  reported: boolean;
}

/**
 * Measures what only the browser sees of a chat request — from sending it to
 * its response headers (connection set-up), and to the first answer text
 * painted on screen — and reports both to the server under the request's id.
 */
export function useClientTiming(messages: Array<UiMessage & { metadata?: UiMessageMetadata }>) {
  const pending = useRef<PendingRequest | null>(null);

  const timedFetch = useCallback(async (input: RequestInfo | URL, init?: RequestInit) => {
    const request: PendingRequest = { sentAt: performance.now(), reported: false };
    pending.current = request;
    const response = await fetch(input, init);
    request.connectMs = performance.now() - request.sentAt;
    request.requestId = response.headers.get("x-request-id") ?? undefined;
    return response;
  }, []);

  useEffect(() => {
    const request = pending.current;
    const last = messages.at(-1);
    if (!request || request.reported || !request.requestId || last?.role !== "assistant") return;
    if (last.metadata?.requestId !== request.requestId) return;
    if (!last.parts.some((part) => part.type === "text" && part.text !== "")) return;
    request.reported = true;
    // After the frame that shows the text has been painted.
    requestAnimationFrame(() =>
      setTimeout(() => {
        const body = {
          requestId: request.requestId,
          connectMs: request.connectMs,
          firstTokenOnScreenMs: performance.now() - request.sentAt,
        };
        void fetch("/api/performance/client-timing", {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify(body),
          keepalive: true,
        }).catch(() => undefined);
      }, 0),
    );
  }, [messages]);

  return timedFetch;
}
