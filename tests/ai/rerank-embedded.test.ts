import { afterEach, describe, expect, it } from "vitest";
import { createEmbeddedReranker, type EmbeddedReranker } from "../../lib/ai/rerank/embedded";
import type { RerankStatus } from "../../lib/ai/rerank/types";
import { ModelUnavailableError } from "../../lib/ai/types";
import { cachedTinyBertGguf } from "../helpers/tiny-gguf";

const rerankers: EmbeddedReranker[] = [];
const make = (modelPath: string) => {
  const created = createEmbeddedReranker({ modelPath, log: null });
  rerankers.push(created);
  return created;
};

async function settle(r: { status(): Promise<RerankStatus> }): Promise<RerankStatus[]> {
  const seen: RerankStatus[] = [];
  for (const until = Date.now() + 30_000; ; ) {
    const status = await r.status();
    seen.push(status);
    if (status.state !== "preparing" || Date.now() > until) return seen;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

afterEach(async () => {
  await Promise.all(rerankers.splice(0).map((r) => r.dispose()));
});

const QUERY = "what is the capital of France";
const DOCUMENTS = [
  "Paris is the capital of France.",
  "Bananas are yellow.",
  "The Eiffel Tower is in Paris.",
  "Berlin is the capital of Germany.",
  "Cats sleep a lot.",
  "France borders Spain.",
  "The sky is blue.",
  "Lyon is a city in France.",
  "Water boils at 100 degrees.",
];

describe("embedded reranker (tiny BERT GGUF with a classification head)", () => {
  it("loads the ranking model and scores each document 0..1, in the documents' order, deterministically", async () => {
    const r = make(cachedTinyBertGguf({ seed: 2, rank: true }));
    expect(r).toMatchObject({ provider: "embedded", model: "tiny-bert_rank-true_seed-2_v1" });
    const seen = await settle(r);
    expect(seen[0]).toMatchObject({ state: "preparing", provider: "embedded" });
    expect(seen.at(-1)).toEqual({ state: "ready", provider: "embedded", detail: "Reranking by tiny-bert_rank-true_seed-2_v1 on this machine's CPU." });

    const scores = await r.rerank(QUERY, DOCUMENTS);
    expect(scores).toHaveLength(DOCUMENTS.length);
    for (const s of scores) {
      expect(s).toBeGreaterThan(0);
      expect(s).toBeLessThan(1);
    }
    expect(new Set(scores).size).toBeGreaterThan(1); // random weights, but not constant
    expect(await r.rerank(QUERY, DOCUMENTS)).toEqual(scores);
    // Scored in steps of a few documents: each score still belongs to its own document.
    for (const i of [0, 4, 8]) expect((await r.rerank(QUERY, [DOCUMENTS[i]!]))[0]).toBeCloseTo(scores[i]!, 6);
    expect(await r.rerank(QUERY, [])).toEqual([]);
  });

  it("scores a document longer than the model's context in pieces instead of failing", async () => {
    const r = make(cachedTinyBertGguf({ seed: 2, rank: true }));
    const [score] = await r.rerank(QUERY, ["Paris ".repeat(1500)]);
    expect(score).toBeGreaterThan(0);
    expect(score).toBeLessThan(1);
  });

  it("stops when aborted", async () => {
    const r = make(cachedTinyBertGguf({ seed: 2, rank: true }));
    await expect(r.rerank(QUERY, DOCUMENTS, { signal: AbortSignal.abort(new Error("gone")) })).rejects.toThrow("gone");
  });

  it("is unavailable, saying why, when the file is missing or is not a ranking model", async () => {
    const missing = make("/nowhere/reranker.gguf");
    const status = await missing.status();
    expect(status).toEqual({
      state: "unavailable",
      provider: "embedded",
      detail:
        "No reranking model: RERANK_MODEL_PATH points at /nowhere/reranker.gguf, which does not exist. Results keep their retrieval order. " +
        "To fix: set RERANK_MODEL_PATH to a GGUF reranking model (such as bge-reranker-v2-m3), or RERANK_BASE_URL to a /rerank server.",
    });
    await expect(missing.rerank(QUERY, DOCUMENTS)).rejects.toBeInstanceOf(ModelUnavailableError);

    // An embedding model has no classification head: node-llama-cpp refuses to rank with it.
    const embeddingOnly = make(cachedTinyBertGguf({ seed: 1 }));
    const refused = (await settle(embeddingOnly)).at(-1)!;
    expect(refused.state).toBe("unavailable");
    expect(refused.detail).toMatch(/^Could not load the reranking model .*tiny-bert_seed-1_v1\.gguf: Computing rankings is not supported for this model\./);
  });
});
