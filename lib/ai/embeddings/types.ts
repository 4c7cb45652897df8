/**
 * Turns text into vectors for dense retrieval. Implementations: an
 * OpenAI-compatible `/embeddings` server (production, on the GPU node) and an
 * embedded GGUF model run by node-llama-cpp on the CPU.
 */
export type EmbeddingKind = "query" | "passage";

export interface EmbeddingStatus {
  /** ready: embeds now; preparing: downloading or loading; unavailable: retrieval is lexical only. */
  state: "ready" | "preparing" | "unavailable";
  provider: "remote" | "embedded" | "none";
  /** Words for the health endpoint and the knowledge page. */
  detail: string;
  /** 0..1 while a model downloads. */
  progress?: number;
}

export interface Embedder {
  readonly provider: "remote" | "embedded";
  status(): Promise<EmbeddingStatus>;
  /**
   * The model that embeds text of this language (ISO 639-1 code, or undefined
   * when unknown). Vectors of different models live in different spaces.
   */
  modelFor(language: string | undefined): string;
  /** One vector per text, in order. Adds the model family's query/passage prefixes itself. */
  embed(texts: string[], options: { model: string; kind: EmbeddingKind; signal?: AbortSignal }): Promise<number[][]>;
}
