/**
 * A cross-encoder behind a `/rerank` endpoint: vLLM, Jina and Cohere answer
 * `{ results: [{ index, relevance_score }] }`, Hugging Face TEI a bare
 * `[{ index, score }]`. Scores come back in the documents' order, 0..1.
 */
import { displayUrl } from "../embedded/download";
import { modelsProbe, postJson, RemoteServerError, type RemoteServer } from "../embeddings/remote";
import type { Reranker, RerankStatus } from "./types";

export type RemoteRerankerOptions = {
  baseUrl: string;
  apiKey?: string;
  model: string;
  timeoutMs?: number;
  fetch?: typeof fetch;
};

type Result = { index?: unknown; relevance_score?: unknown; score?: unknown };

const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

/**
 * Scores by document index from either answer shape. Servers asked for raw
 * scores (or models without a final sigmoid) send logits: when any score is
 * outside 0..1 all of them go through a sigmoid, which keeps their order.
 */
export function scoresFromResponse(body: unknown, count: number): number[] | string {
  const results: unknown = Array.isArray(body) ? body : (body as { results?: unknown } | null)?.results;
  if (!Array.isArray(results)) return "its answer has neither a results list nor is a list";
  const scores: Array<number | undefined> = new Array<number | undefined>(count).fill(undefined);
  for (const item of results as Result[]) {
    const score = item?.relevance_score ?? item?.score;
    const index = item?.index;
    if (typeof index !== "number" || !Number.isInteger(index) || index < 0 || index >= count) {
      return `it sent a result for document ${String(index)} of ${count}`;
    }
    if (typeof score !== "number" || !Number.isFinite(score)) return `it sent no score for document ${index}`;
    scores[index] = score;
  }
  const missing = scores.findIndex((s) => s === undefined);
  if (missing >= 0) return `it sent no score for document ${missing}`;
  const values = scores as number[];
  return values.some((s) => s < 0 || s > 1) ? values.map(sigmoid) : values;
}

export function createRemoteReranker(options: RemoteRerankerOptions): Reranker {
  const server: RemoteServer = {
    baseUrl: options.baseUrl,
    apiKey: options.apiKey,
    name: "rerank server",
    setting: "RERANK_BASE_URL",
    timeoutMs: options.timeoutMs,
    fetch: options.fetch,
  };
  const probe = modelsProbe(server);
  const shown = displayUrl(options.baseUrl.replace(/\/+$/, ""));
  /** What the documents are called in the request: Cohere/Jina/vLLM `documents`, TEI `texts`. */
  let field: "documents" | "texts" = "documents";

  return {
    provider: "remote",
    model: options.model,

    async status(): Promise<RerankStatus> {
      const result = await probe();
      return result.ok
        ? { state: "ready", provider: "remote", detail: `Reranking by ${options.model} at ${shown}.` }
        : { state: "unavailable", provider: "remote", detail: `${result.detail} Results keep their retrieval order until it answers.` };
    },

    async rerank(query, documents, { signal } = {}) {
      if (documents.length === 0) return [];
      const ask = () =>
        postJson(server, "/rerank", { model: options.model, query, [field]: documents, top_n: documents.length }, signal);
      let body: unknown;
      try {
        body = await ask();
      } catch (error) {
        // TEI's own /rerank wants `texts` and says so with a 422; ask again its way, and keep to it.
        const teiWantsTexts = error instanceof RemoteServerError && error.status === 422 && /\btexts\b/.test(error.message);
        if (field !== "documents" || !teiWantsTexts) throw error;
        field = "texts";
        body = await ask();
      }
      const scores = scoresFromResponse(body, documents.length);
      if (typeof scores === "string") throw new RemoteServerError(`The rerank server at ${shown} answered POST /rerank, but ${scores}.`);
      return scores;
    },
  };
}
