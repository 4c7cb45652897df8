import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { reranker, rerankStatus } from "../../lib/ai/rerank";
import { createRemoteReranker, scoresFromResponse } from "../../lib/ai/rerank/remote";
import { goneServerUrl, startFakeLlm, type FakeLlm } from "../fake-llm/server";

let fake: FakeLlm;
let goneUrl: string;
const savedEnv = { ...process.env };
const make = (options: Partial<Parameters<typeof createRemoteReranker>[0]> = {}) =>
  createRemoteReranker({ baseUrl: fake.url, model: "BAAI/bge-reranker-large", ...options });
const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

const QUERY = "vacation days policy";
const DOCUMENTS = ["the cafeteria menu for this week", "vacation days policy for all employees", "how to file vacation requests"];

beforeAll(async () => {
  fake = await startFakeLlm();
  goneUrl = await goneServerUrl();
});

afterEach(() => {
  fake.reset();
  process.env = { ...savedEnv };
});

afterAll(async () => {
  await fake.close();
});

describe("remote reranker against the fake server", () => {
  it("returns scores in the documents' order from a Cohere-style answer", async () => {
    const scores = await make().rerank(QUERY, DOCUMENTS);
    // The fake answers best first; the reranker puts each score back at its document.
    expect(scores).toEqual([0, 1, expect.closeTo(1 / 3, 6)]);
    expect(fake.rerankRequests).toHaveLength(1);
    expect(fake.rerankRequests[0]!.path).toBe("/v1/rerank");
    expect(fake.rerankRequests[0]!.body).toEqual({ model: "BAAI/bge-reranker-large", query: QUERY, documents: DOCUMENTS, top_n: 3 });
  });

  it("speaks TEI's own API: asks again with `texts` after its 422, keeps to it, and reads the bare array", async () => {
    fake.defaults.rerankFormat = "tei";
    const remote = make();
    expect(await remote.rerank(QUERY, DOCUMENTS)).toEqual([0, 1, expect.closeTo(1 / 3, 6)]);
    expect(await remote.rerank("cafeteria menu", DOCUMENTS)).toEqual([1, 0, 0]);
    expect(fake.rerankRequests.map((r) => Object.keys(r.body).filter((k) => k === "documents" || k === "texts"))).toEqual([
      ["documents"],
      ["texts"],
      ["texts"],
    ]);
  });

  it("maps raw logits into 0..1 with a sigmoid, keeping their order", async () => {
    fake.defaults.rerankRawScores = true;
    const scores = await make().rerank(QUERY, DOCUMENTS);
    expect(scores).toEqual([sigmoid(-6), sigmoid(6), expect.closeTo(sigmoid((1 / 3 - 0.5) * 12), 9)]);
    expect(scores[1]! > scores[2]! && scores[2]! > scores[0]!).toBe(true);
  });

  it("sends nothing for no documents, and the bearer key otherwise", async () => {
    expect(await make().rerank(QUERY, [])).toEqual([]);
    expect(fake.rerankRequests).toHaveLength(0);
    let auth: string | null = null;
    await make({ apiKey: "sk-rerank", fetch: (input, init) => ((auth = new Headers(init?.headers).get("authorization")), fetch(input, init)) }).rerank(QUERY, DOCUMENTS);
    expect(auth).toBe("Bearer sk-rerank");
  });

  it("names the server and status on errors, and stops when aborted", async () => {
    fake.defaults.rerankError = { status: 500, message: "CUDA out of memory" };
    await expect(make().rerank(QUERY, DOCUMENTS)).rejects.toThrow(
      `The rerank server at ${fake.url} answered 500 to POST /rerank: CUDA out of memory`,
    );
    await expect(make().rerank(QUERY, DOCUMENTS, { signal: AbortSignal.abort(new Error("stop")) })).rejects.toThrow("stop");
  });

  it("reports its status from GET /models", async () => {
    expect(await make().status()).toEqual({
      state: "ready",
      provider: "remote",
      detail: `Reranking by BAAI/bge-reranker-large at ${fake.url}.`,
    });
    const down = await make({ baseUrl: goneUrl }).status();
    expect(down.state).toBe("unavailable");
    expect(down.detail).toMatch(/^The rerank server at .* did not answer \(.*\)\. Check RERANK_BASE_URL and that the server is running\. Results keep their retrieval order until it answers\.$/);
  });
});

describe("scoresFromResponse", () => {
  it("reads both shapes in any order", () => {
    expect(scoresFromResponse({ results: [{ index: 1, relevance_score: 0.9 }, { index: 0, relevance_score: 0.2 }] }, 2)).toEqual([0.2, 0.9]);
    expect(scoresFromResponse([{ index: 1, score: 0.7 }, { index: 0, score: 0.1 }], 2)).toEqual([0.1, 0.7]);
  });

  it("applies the sigmoid to all scores once any is outside 0..1", () => {
    expect(scoresFromResponse([{ index: 0, score: 0.5 }, { index: 1, score: 1.5 }], 2)).toEqual([sigmoid(0.5), sigmoid(1.5)]);
    expect(scoresFromResponse([{ index: 0, score: -0.2 }], 1)).toEqual([sigmoid(-0.2)]);
  });

  it("explains answers it cannot use", () => {
    expect(scoresFromResponse({ data: [] }, 1)).toBe("its answer has neither a results list nor is a list");
    expect(scoresFromResponse([{ index: 0, score: 0.5 }], 2)).toBe("it sent no score for document 1");
    expect(scoresFromResponse([{ index: 5, score: 0.5 }], 2)).toBe("it sent a result for document 5 of 2");
    expect(scoresFromResponse([{ index: 0 }], 1)).toBe("it sent no score for document 0");
  });
});

describe("reranker() and rerankStatus()", () => {
  it("picks remote for RERANK_BASE_URL, embedded for RERANK_MODEL_PATH, else none; rebuilt when settings change", async () => {
    delete process.env.RERANK_BASE_URL;
    delete process.env.RERANK_MODEL_PATH;
    expect(reranker()).toBeNull();
    const none = await rerankStatus();
    expect(none).toMatchObject({ state: "unavailable", provider: "none" });
    expect(none.detail).toMatch(/RERANK_BASE_URL.*RERANK_MODEL_PATH/);

    process.env.RERANK_MODEL_PATH = "/nowhere/bge-reranker-v2-m3-Q8_0.gguf";
    const embedded = reranker();
    expect(embedded).toMatchObject({ provider: "embedded", model: "bge-reranker-v2-m3-Q8_0" });
    expect(reranker()).toBe(embedded);
    expect((await rerankStatus()).state).toBe("unavailable"); // the file does not exist

    process.env.RERANK_BASE_URL = fake.url;
    process.env.RERANK_MODEL = "served-reranker";
    const remote = reranker();
    expect(remote).toMatchObject({ provider: "remote", model: "served-reranker" });
    expect((await rerankStatus()).state).toBe("ready");
    await remote!.rerank("q", ["d"]);
    expect(fake.rerankRequests.at(-1)!.body.model).toBe("served-reranker");
  });
});
