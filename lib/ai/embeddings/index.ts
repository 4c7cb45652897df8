import { config } from "../../config";
import { createEmbeddedEmbedder } from "./embedded";
import { createRemoteEmbedder } from "./remote";
import type { Embedder, EmbeddingStatus } from "./types";

export type { Embedder, EmbeddingKind, EmbeddingStatus } from "./types";

const globalForEmbedder = globalThis as unknown as { parleyEmbedder?: { key: string; embedder: Embedder | null } };

/**
 * The process-wide embedder: the OpenAI-compatible server at
 * EMBEDDINGS_BASE_URL when set, else the embedded CPU model; null when
 * neither can ever be had (EMBEDDINGS_DOWNLOAD=0 and no EMBEDDINGS_MODEL_PATH).
 * Rebuilt when the settings change. Creating one starts nothing.
 */
export function embedder(): Embedder | null {
  const e = config.embeddings;
  const key = JSON.stringify([
    e.baseUrl,
    e.apiKey,
    e.model,
    e.multilingualModel,
    e.batchSize,
    e.modelPath,
    e.modelUrl,
    e.downloadEnabled,
    config.dataDir,
  ]);
  const current = globalForEmbedder.parleyEmbedder;
  if (current?.key === key) return current.embedder;
  let created: Embedder | null;
  if (e.baseUrl) {
    created = createRemoteEmbedder({
      baseUrl: e.baseUrl,
      apiKey: e.apiKey,
      model: e.model,
      multilingualModel: e.multilingualModel,
      batchSize: e.batchSize,
    });
  } else {
    created = e.modelPath || e.downloadEnabled ? createEmbeddedEmbedder() : null;
  }
  globalForEmbedder.parleyEmbedder = { key, embedder: created };
  return created;
}

export const NO_EMBEDDER_DETAIL =
  "No embedding model is configured (EMBEDDINGS_DOWNLOAD=0 and no EMBEDDINGS_MODEL_PATH), so retrieval is lexical only. " +
  "To fix: set EMBEDDINGS_BASE_URL to an OpenAI-compatible embedding server, or EMBEDDINGS_MODEL_PATH to a GGUF embedding model file, " +
  "or unset EMBEDDINGS_DOWNLOAD to let Parley download one.";

/** What the health endpoint and the knowledge page show about embeddings. */
export async function embeddingStatus(): Promise<EmbeddingStatus> {
  const current = embedder();
  if (!current) return { state: "unavailable", provider: "none", detail: NO_EMBEDDER_DETAIL };
  return current.status();
}
