import type { AuthUser } from "../auth/users";
import { readableCollectionIds } from "../db/queries/collections";
import { listDocuments } from "../db/queries/documents";
import { sseData, streamResponse } from "../http/sse";
import { documentEvents, type DocumentEvent } from "./events";

const KEEPALIVE_MS = 15_000;

/**
 * The knowledge page's live feed: first a snapshot of every document the user
 * may read, then each change to one of them, as server-sent events. Events of
 * collections the user cannot read are never sent.
 */
export function documentEventStream(user: AuthUser, requestSignal: AbortSignal): Response {
  return streamResponse(
    async (write, signal) => {
      let readable = new Set(await readableCollectionIds(user.id));
      // Collections found unreadable, and when: asked about again after 10 s at most.
      const denied = new Map<string, number>();
      const queue: DocumentEvent[] = [];
      let wake: (() => void) | undefined;
      const unsubscribe = documentEvents().subscribe((event) => {
        queue.push(event);
        wake?.();
      });
      signal.addEventListener("abort", () => wake?.(), { once: true });
      const keepalive = setInterval(() => write(new TextEncoder().encode(": keepalive\n\n")), KEEPALIVE_MS);
      try {
        write(sseData({ type: "snapshot", documents: await listDocuments(user) }));
        while (!signal.aborted) {
          if (queue.length === 0) {
            await new Promise<void>((resolve) => (wake = resolve));
            wake = undefined;
            continue;
          }
          const event = queue.shift()!;
          const collectionId = event.type === "document" ? event.document.collectionId : event.collectionId;
          // A collection created or granted since the stream opened: look again before dropping.
          if (!readable.has(collectionId) && Date.now() - (denied.get(collectionId) ?? 0) > 10_000) {
            readable = new Set(await readableCollectionIds(user.id));
            if (!readable.has(collectionId)) denied.set(collectionId, Date.now());
          }
          if (readable.has(collectionId)) write(sseData(event));
        }
      } finally {
        clearInterval(keepalive);
        unsubscribe();
      }
    },
    { requestSignal },
  );
}
