/**
 * Scores passages against a query with a cross-encoder. Implementations: a
 * Cohere/Jina-style `/rerank` endpoint (vLLM or TEI serving bge-reranker-large)
 * and an embedded node-llama-cpp ranking model.
 */
export interface RerankStatus {
  state: "ready" | "preparing" | "unavailable";
  provider: "remote" | "embedded" | "none";
  detail: string;
}

export interface Reranker {
  readonly provider: "remote" | "embedded";
  readonly model: string;
  status(): Promise<RerankStatus>;
  /** Relevance of each document to the query, 0..1, in the documents' order. */
  rerank(query: string, documents: string[], options?: { signal?: AbortSignal }): Promise<number[]>;
}
