import type { StoredChunk } from "@/lib/db/queries/chunks";
import type { CollectionView } from "@/lib/db/queries/collections";
import type { DocumentStatus, DocumentView } from "@/lib/db/queries/documents";
import type { TextWindow } from "@/lib/rag/text-window";

/** The knowledge API's shapes as the browser receives them (dates arrive as ISO strings). */
export type KnowledgeDocument = Omit<DocumentView, "createdAt" | "updatedAt" | "indexedAt"> & {
  createdAt: string;
  updatedAt: string;
  indexedAt: string | null;
};
export type { CollectionView as Collection, DocumentStatus, StoredChunk as Chunk };

export interface KnowledgeStatus {
  retrieval: "hybrid+rerank" | "hybrid" | "lexical";
  notes: string[];
  mode: "always" | "tool";
  limits: { maxFileBytes: number; maxUserBytes: number; maxFilesPerUpload: number };
}

export interface Rejection {
  name: string;
  status: number;
  error: string;
}

/** GET /api/knowledge/documents/:id/text */
export type DocumentTextWindow = TextWindow & { document: { id: string; name: string } };

/** GET /api/knowledge/events */
export type DocumentFeedEvent =
  | { type: "snapshot"; documents: KnowledgeDocument[] }
  | { type: "document"; document: KnowledgeDocument }
  | { type: "deleted"; documentId: string; collectionId: string };
