/** Evidence about one chunk, gathered from each search that found it. */
export interface Candidate {
  chunkId: string;
  /** Reciprocal rank fusion score. */
  fused: number;
  lexical?: { rank: number; coverage: number };
  dense?: { rank: number; similarity: number };
  /** Cross-encoder relevance 0..1, once reranked. */
  rerank?: number;
}

/** The usual RRF constant: damps the head of each list so no single search dominates. */
export const RRF_K = 60;

/**
 * Reciprocal rank fusion of lexical and dense results (each best first):
 * a chunk's score is the sum of 1 / (k + rank) over the lists that hold it.
 */
export function fuse(
  lexical: Array<{ chunkId: string; coverage: number }>,
  dense: Array<{ chunkId: string; score: number }>,
  k = RRF_K,
): Candidate[] {
  const byId = new Map<string, Candidate>();
  const get = (chunkId: string) => {
    let candidate = byId.get(chunkId);
    if (!candidate) byId.set(chunkId, (candidate = { chunkId, fused: 0 }));
    return candidate;
  };
  lexical.forEach((hit, i) => {
    const candidate = get(hit.chunkId);
    candidate.lexical = { rank: i + 1, coverage: hit.coverage };
    candidate.fused += 1 / (k + i + 1);
  });
  dense.forEach((hit, i) => {
    const candidate = get(hit.chunkId);
    candidate.dense = { rank: i + 1, similarity: hit.score };
    candidate.fused += 1 / (k + i + 1);
  });
  return [...byId.values()].sort((a, b) => b.fused - a.fused);
}

export interface Floor {
  minRerankScore: number;
  minSimilarity: number;
  minTermCoverage: number;
}

/**
 * Whether a candidate is relevant enough to show the model. A reranker's
 * score decides when there is one; otherwise a passage needs enough of the
 * question's terms, or a close enough vector.
 */
export function passesFloor(candidate: Candidate, floor: Floor): boolean {
  if (candidate.rerank !== undefined) return candidate.rerank >= floor.minRerankScore;
  return (
    (candidate.lexical !== undefined && candidate.lexical.coverage >= floor.minTermCoverage) ||
    (candidate.dense !== undefined && candidate.dense.similarity >= floor.minSimilarity)
  );
}

/** Best first by reranker score when present, else by fused score. */
export function byRelevance(a: Candidate, b: Candidate): number {
  if (a.rerank !== undefined && b.rerank !== undefined && a.rerank !== b.rerank) return b.rerank - a.rerank;
  return b.fused - a.fused;
}
