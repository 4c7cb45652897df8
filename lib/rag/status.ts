import { embeddingStatus } from "../ai/embeddings";
import type { EmbeddingStatus } from "../ai/embeddings/types";
import { rerankStatus } from "../ai/rerank";
import type { RerankStatus } from "../ai/rerank/types";
import { config } from "../config";
import { vectorStore } from "./vector-store";
import type { VectorStoreStatus } from "./vector-store/types";

export interface KnowledgeStatus {
  /** How questions are searched right now. */
  retrieval: "hybrid+rerank" | "hybrid" | "lexical";
  /** What is missing for better retrieval, in words for the health endpoint and the knowledge page. */
  notes: string[];
  embeddings: EmbeddingStatus;
  rerank: RerankStatus;
  vectorStore: VectorStoreStatus & { name: string };
  mode: "always" | "tool";
}

/** What the knowledge base can do now: dense search needs an embedding model and a vector store. */
export async function knowledgeStatus(): Promise<KnowledgeStatus> {
  const [embeddings, rerank, store] = await Promise.all([
    embeddingStatus(),
    rerankStatus(),
    vectorStore().then(
      async (s) => ({ name: s.name, ...(await s.status()) }),
      (error: Error) => ({ name: "unknown", available: false, detail: error.message }),
    ),
  ]);
  const notes: string[] = [];
  const dense = embeddings.state === "ready" && store.available;
  if (embeddings.state !== "ready") notes.push(`Retrieval is lexical only: ${embeddings.detail}`);
  else if (!store.available) notes.push(`Retrieval is lexical only: ${store.detail}`);
  if (dense && rerank.state !== "ready") notes.push(rerank.detail);
  return {
    retrieval: !dense ? "lexical" : rerank.state === "ready" ? "hybrid+rerank" : "hybrid",
    notes,
    embeddings,
    rerank,
    vectorStore: store,
    mode: config.retrieval.mode,
  };
}
