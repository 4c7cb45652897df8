"use client";

import { useEffect, useState } from "react";
import type { DocumentFeedEvent, KnowledgeDocument } from "./types";

const RETRY_AFTER_CLOSE_MS = 3_000;

export type FeedState = "connecting" | "live" | "reconnecting";

/**
 * Every document the user may read, kept current by /api/knowledge/events.
 * Each connection starts with a snapshot, so a reconnect (EventSource retries
 * on its own; we reopen it if the browser gave up) replaces the whole list.
 */
export function useDocumentFeed(): { documents: KnowledgeDocument[] | null; state: FeedState } {
  const [documents, setDocuments] = useState<KnowledgeDocument[] | null>(null);
  const [state, setState] = useState<FeedState>("connecting");

  useEffect(() => {
    let source: EventSource | null = null;
    let retry: ReturnType<typeof setTimeout> | undefined;
    let stopped = false;

    const open = () => {
      source = new EventSource("/api/knowledge/events");
      source.onmessage = (message: MessageEvent<string>) => {
        const event = JSON.parse(message.data) as DocumentFeedEvent;
        if (event.type === "snapshot") setState("live");
        setDocuments((current) => applyEvent(current ?? [], event));
      };
      source.onerror = () => {
        setState("reconnecting");
        if (source?.readyState === EventSource.CLOSED && !stopped) {
          retry = setTimeout(open, RETRY_AFTER_CLOSE_MS);
        }
      };
    };
    open();
    return () => {
      stopped = true;
      clearTimeout(retry);
      source?.close();
    };
  }, []);

  return { documents, state };
}

function applyEvent(documents: KnowledgeDocument[], event: DocumentFeedEvent): KnowledgeDocument[] {
  switch (event.type) {
    case "snapshot":
      return event.documents;
    case "deleted":
      return documents.filter((d) => d.id !== event.documentId);
    case "document": {
      const incoming = event.document;
      const index = documents.findIndex((d) => d.id === incoming.id);
      if (index < 0) return [incoming, ...documents];
      // Events can overtake each other across processes: keep the newer state.
      if (documents[index]!.updatedAt > incoming.updatedAt) return documents;
      return documents.map((d, i) => (i === index ? incoming : d));
    }
  }
}
