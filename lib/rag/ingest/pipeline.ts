import { embedder } from "../../ai/embeddings";
import { detectLanguage } from "../../ai/embeddings/language";
import { config } from "../../config";
import { chunksToEmbed, deleteChunks, insertChunks } from "../../db/queries/chunks";
import {
  documentFile,
  documentView,
  updateDocument,
  type DocumentPatch,
  type DocumentView,
} from "../../db/queries/documents";
import { chunkDocument } from "../chunk";
import { documentEvents } from "../events";
import { extractDocument } from "../extract";
import type { DocumentKind } from "../extract/types";
import { vectorStore } from "../vector-store";

/** Raised when the document was cancelled or deleted while it was being ingested. */
export class IngestCancelled extends Error {
  constructor() {
    super("Ingestion was cancelled");
    this.name = "IngestCancelled";
  }
}

const PROGRESS_INTERVAL_MS = 200;

/**
 * Takes one document from its uploaded bytes to searchable chunks, telling
 * every open knowledge page how far it got:
 * extracting → chunking (chunks stored: searchable by keywords from here) →
 * embedding (vectors stored) → indexed. A cancelled or deleted document stops
 * at the next step; a failure that retrying cannot fix is thrown as
 * ExtractionError for the caller to record.
 */
export async function ingestDocument(documentId: string, signal?: AbortSignal): Promise<DocumentView | null> {
  const start = await documentView(documentId);
  if (!start || !["queued", "extracting", "chunking", "embedding"].includes(start.status)) return start;
  const progress = progressReporter(documentId);
  const bytes = await documentFile(documentId);
  if (!bytes) throw new IngestCancelled();

  await progress.set({ status: "extracting", progress: 0, error: null }, true);
  const extracted = await extractDocument(bytes, start.kind as DocumentKind, {
    signal,
    onProgress: (fraction) => void progress.set({ progress: fraction }),
  });

  await progress.set({ status: "chunking", progress: 0 }, true);
  const chunks = chunkDocument(extracted, {
    maxTokens: config.knowledge.chunkTokens,
    overlapTokens: config.knowledge.chunkOverlapTokens,
  });
  await removeIndex(documentId);
  const language = detectLanguage(extracted.text.slice(0, 20_000)) ?? null;
  await insertChunks(documentId, start.collectionId, start.name, chunks);
  await progress.set(
    {
      status: "embedding",
      progress: 0,
      text: extracted.text,
      pageStarts: extracted.pages?.map((p) => p.start) ?? [],
      pageCount: extracted.pages?.length ?? null,
      chunkCount: chunks.length,
      language,
    },
    true,
  );

  const embeddingModel = await embedChunks(documentId, start.collectionId, language, signal, (fraction) =>
    progress.set({ progress: fraction }),
  );
  return progress.set(
    { status: "indexed", progress: 1, embeddingModel, indexedAt: new Date() },
    true,
  );
}

/**
 * Embeds a document's chunks and stores the vectors. Returns the model used,
 * or null when no embedding model is ready (the document is then searchable
 * by keywords only, and gets vectors later: see `backfillEmbeddings`).
 */
async function embedChunks(
  documentId: string,
  collectionId: string,
  language: string | null,
  signal: AbortSignal | undefined,
  onProgress: (fraction: number) => unknown,
): Promise<string | null> {
  const provider = embedder();
  if (!provider || (await provider.status()).state !== "ready") return null;
  const store = await vectorStore();
  if (!(await store.status()).available) return null;
  const model = provider.modelFor(language ?? undefined);
  const chunks = await chunksToEmbed(documentId);
  const batch = config.embeddings.batchSize;
  for (let from = 0; from < chunks.length; from += batch) {
    signal?.throwIfAborted();
    const slice = chunks.slice(from, from + batch);
    const vectors = await provider.embed(
      slice.map((c) => c.input),
      { model, kind: "passage", signal },
    );
    await store.upsert(
      { model, dimensions: vectors[0]!.length },
      slice.map((c, i) => ({ chunkId: c.id, documentId, collectionId, vector: vectors[i]! })),
    );
    await onProgress(Math.min(1, (from + slice.length) / chunks.length));
  }
  return model;
}

/** Drops a document's chunks and vectors (before re-indexing it, or when it is deleted). */
export async function removeIndex(documentId: string): Promise<void> {
  const store = await vectorStore();
  await store.deleteDocument(documentId);
  await deleteChunks(documentId);
}

/**
 * Writes state changes and tells listeners, at most every 200 ms for
 * progress within a stage (a 500-page PDF must not write 500 rows a second).
 * Throws IngestCancelled once the document is no longer being ingested.
 */
function progressReporter(documentId: string) {
  let lastWrite = 0;
  return {
    async set(patch: DocumentPatch, force = false): Promise<DocumentView | null> {
      const now = Date.now();
      if (!force && now - lastWrite < PROGRESS_INTERVAL_MS) return null;
      lastWrite = now;
      const view = await updateDocument(documentId, patch);
      if (!view) throw new IngestCancelled();
      documentEvents().publish({ type: "document", document: view });
      return view;
    },
  };
}
