import { describe, expect, it } from "vitest";
import { byRelevance, fuse, passesFloor, RRF_K } from "../../lib/rag/fuse";

const floor = { minRerankScore: 0.3, minSimilarity: 0.7, minTermCoverage: 0.5 };

describe("reciprocal rank fusion", () => {
  it("ranks a chunk found by both searches above chunks found by one", () => {
    const fused = fuse(
      [
        { chunkId: "a", coverage: 1 },
        { chunkId: "b", coverage: 0.5 },
      ],
      [
        { chunkId: "c", score: 0.9 },
        { chunkId: "b", score: 0.8 },
      ],
    );
    expect(fused.map((c) => c.chunkId)).toEqual(["b", "a", "c"]);
    expect(fused[0]!.fused).toBeCloseTo(2 / (RRF_K + 2));
    expect(fused[0]).toMatchObject({ lexical: { rank: 2, coverage: 0.5 }, dense: { rank: 2, similarity: 0.8 } });
  });

  it("applies the floor: reranker score when there is one, else term coverage or similarity", () => {
    expect(passesFloor({ chunkId: "x", fused: 1, rerank: 0.2, lexical: { rank: 1, coverage: 1 } }, floor)).toBe(false);
    expect(passesFloor({ chunkId: "x", fused: 1, rerank: 0.4 }, floor)).toBe(true);
    expect(passesFloor({ chunkId: "x", fused: 1, lexical: { rank: 1, coverage: 0.4 } }, floor)).toBe(false);
    expect(passesFloor({ chunkId: "x", fused: 1, lexical: { rank: 1, coverage: 0.5 } }, floor)).toBe(true);
    expect(passesFloor({ chunkId: "x", fused: 1, dense: { rank: 1, similarity: 0.75 } }, floor)).toBe(true);
    expect(passesFloor({ chunkId: "x", fused: 1, dense: { rank: 1, similarity: 0.65 } }, floor)).toBe(false);
  });

  it("orders by reranker score, then by fused score", () => {
    const sorted = [
      { chunkId: "a", fused: 0.9, rerank: 0.1 },
      { chunkId: "b", fused: 0.1, rerank: 0.8 },
    ].sort(byRelevance);
    expect(sorted.map((c) => c.chunkId)).toEqual(["b", "a"]);
  });
});
