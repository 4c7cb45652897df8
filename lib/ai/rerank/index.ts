import { config } from "../../config";
import { createEmbeddedReranker } from "./embedded";
import { createRemoteReranker } from "./remote";
import type { Reranker, RerankStatus } from "./types";

export type { Reranker, RerankStatus } from "./types";

const globalForReranker = globalThis as unknown as { parleyReranker?: { key: string; reranker: Reranker | null } };

/**
 * The process-wide reranker: the `/rerank` server at RERANK_BASE_URL when set,
 * else the GGUF model at RERANK_MODEL_PATH, else null (results keep their
 * fused retrieval order). Rebuilt when the settings change.
 */
export function reranker(): Reranker | null {
  const { baseUrl, apiKey, model, modelPath } = config.rerank;
  const key = JSON.stringify([baseUrl, apiKey, model, modelPath]);
  const current = globalForReranker.parleyReranker;
  if (current?.key === key) return current.reranker;
  const created = baseUrl
    ? createRemoteReranker({ baseUrl, apiKey, model })
    : modelPath
      ? createEmbeddedReranker({ modelPath })
      : null;
  globalForReranker.parleyReranker = { key, reranker: created };
  return created;
}

export const NO_RERANKER_DETAIL =
  "No reranker is configured, so results keep their retrieval order. To add one: set RERANK_BASE_URL to a " +
  "/rerank server (vLLM or TEI serving bge-reranker-large), or RERANK_MODEL_PATH to a GGUF reranking model.";

/** What the health endpoint and the knowledge page show about reranking. */
export async function rerankStatus(): Promise<RerankStatus> {
  const current = reranker();
  if (!current) return { state: "unavailable", provider: "none", detail: NO_RERANKER_DETAIL };
  return current.status();
}
