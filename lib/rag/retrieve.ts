import { embedder } from "../ai/embeddings";
import { detectLanguage } from "../ai/embeddings/language";
import { reranker } from "../ai/rerank";
import { config } from "../config";
import { searchableCollectionIds } from "../db/queries/collections";
import { embeddingInput, lexicalSearch, passagesForUser, type PassageRow } from "../db/queries/chunks";
import type { Trace } from "../telemetry/trace";
import { byRelevance, fuse, passesFloor, type Candidate } from "./fuse";
import { vectorStore } from "./vector-store";

export type RetrievalMode = "lexical" | "dense" | "hybrid" | "hybrid+rerank";

export interface Passage extends PassageRow {
  /** The number the model and the reader cite it by: [n]. */
  n: number;
  /** Reranker score 0..1 when reranked, else the fused rank score. */
  score: number;
}

export interface Retrieval {
  /** False when the user has no searchable documents: no search work was done. */
  searched: boolean;
  mode: RetrievalMode;
  /** Relevant passages, best first, numbered from 1. */
  passages: Passage[];
  /** Searches that could not run (no embedding model, vector store down...), in words. */
  degraded: string[];
}

export interface RetrieveOptions {
  userId: string;
  query: string;
  trace?: Trace;
  signal?: AbortSignal;
  /** Defaults to the best the configured providers allow. */
  mode?: RetrievalMode;
  topK?: number;
  /** Apply the relevance floor (default true). Evaluation turns it off to rank everything. */
  floor?: boolean;
}

/**
 * Finds the passages of the user's readable documents that answer `query`:
 * lexical (Postgres full-text) and dense (vector) search run side by side,
 * their rankings are fused (RRF), a cross-encoder reranks the head when one is
 * configured, and a relevance floor drops what does not answer. One function
 * for the chat UI, /api/chat and /v1.
 */
export async function retrieve(options: RetrieveOptions): Promise<Retrieval> {
  const { userId, query, trace, signal } = options;
  const collections = await searchableCollectionIds(userId);
  if (collections.length === 0 || !query.trim()) {
    return { searched: false, mode: options.mode ?? "lexical", passages: [], degraded: [] };
  }
  const wanted = options.mode ?? (await bestMode());
  const limit = config.retrieval.candidates;
  const degraded: string[] = [];
  const useLexical = wanted !== "dense";
  const useDense = wanted !== "lexical";

  const [lexical, dense] = await Promise.all([
    useLexical ? timed(trace, "lexical_search", () => lexicalSearch(collections, query, limit)) : [],
    useDense ? denseSearch(query, collections, limit, degraded, trace, signal) : [],
  ]);
  let candidates = fuse(lexical, dense).slice(0, limit);
  const rows = new Map((await passagesForUser(userId, candidates.map((c) => c.chunkId))).map((r) => [r.chunkId, r]));
  candidates = candidates.filter((c) => rows.has(c.chunkId));

  let mode: RetrievalMode = dense.length > 0 || degraded.length === 0 ? wanted : "lexical";
  if (wanted === "hybrid+rerank" && candidates.length > 0) {
    const reranked = await rerank(query, candidates, rows, degraded, trace, signal);
    if (!reranked && mode === "hybrid+rerank") mode = "hybrid";
  }
  const floor = config.retrieval;
  const kept = candidates
    .filter((c) => options.floor === false || passesFloor(c, floor))
    .sort(byRelevance)
    .slice(0, options.topK ?? config.retrieval.topK);
  return {
    searched: true,
    mode,
    degraded,
    passages: kept.map((c, i) => ({ ...rows.get(c.chunkId)!, n: i + 1, score: c.rerank ?? c.fused })),
  };
}

/** The richest mode the configured providers support right now. */
async function bestMode(): Promise<RetrievalMode> {
  const provider = embedder();
  if (!provider || (await provider.status()).state !== "ready") return "lexical";
  const ranker = reranker();
  return ranker && (await ranker.status()).state === "ready" ? "hybrid+rerank" : "hybrid";
}

async function denseSearch(
  query: string,
  collections: string[],
  limit: number,
  degraded: string[],
  trace: Trace | undefined,
  signal: AbortSignal | undefined,
): Promise<Array<{ chunkId: string; score: number }>> {
  const provider = embedder();
  const status = provider ? await provider.status() : undefined;
  if (!provider || status?.state !== "ready") {
    degraded.push(`Dense search is off: ${sentence(status?.detail ?? "no embedding model is configured")}`);
    return [];
  }
  try {
    const store = await vectorStore();
    const model = provider.modelFor(detectLanguage(query));
    const [vector] = await timed(trace, "query_embedding", () =>
      provider.embed([query], { model, kind: "query", signal }),
    );
    return await timed(trace, "vector_search", () =>
      store.search({ model, dimensions: vector!.length }, vector!, { collectionIds: collections, limit, signal }),
    );
  } catch (error) {
    if (signal?.aborted) throw error;
    degraded.push(`Dense search failed: ${sentence(error instanceof Error ? error.message : String(error))}`);
    return [];
  }
}

/** Scores candidates with the cross-encoder; false when no reranker could run (order left as fused). */
async function rerank(
  query: string,
  candidates: Candidate[],
  rows: Map<string, PassageRow>,
  degraded: string[],
  trace: Trace | undefined,
  signal: AbortSignal | undefined,
): Promise<boolean> {
  const ranker = reranker();
  if (!ranker) return false;
  try {
    const scores = await timed(trace, "rerank", () =>
      ranker.rerank(
        query,
        candidates.map((c) => embeddingInput(rows.get(c.chunkId)!)),
        { signal },
      ),
    );
    candidates.forEach((c, i) => (c.rerank = scores[i]));
    return true;
  } catch (error) {
    if (signal?.aborted) throw error;
    degraded.push(`Reranking failed: ${sentence(error instanceof Error ? error.message : String(error))}`);
    return false;
  }
}

/** Ends a message with exactly one full stop. */
function sentence(text: string): string {
  return /[.!?]$/.test(text.trim()) ? text.trim() : `${text.trim()}.`;
}

function timed<T>(trace: Trace | undefined, stage: string, work: () => Promise<T>): Promise<T> {
  return trace ? trace.time(stage, work) : work();
}
