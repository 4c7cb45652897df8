import { describe, expect, it } from "vitest";
import { prefixesFor, withPrefixes } from "../../lib/ai/embeddings/prefixes";

const BGE_QUERY = "Represent this sentence for searching relevant passages: ";

describe("prefixesFor", () => {
  it("gives E5 models query: and passage:", () => {
    for (const model of ["intfloat/e5-large-v2", "intfloat/multilingual-e5-small", "multilingual-e5-base-Q8_0", "E5-base"]) {
      expect(prefixesFor(model), model).toEqual({ query: "query: ", passage: "passage: " });
    }
  });

  it("gives instruction-tuned E5 models the instruction on queries only", () => {
    const prefixes = prefixesFor("intfloat/multilingual-e5-large-instruct");
    expect(prefixes.query).toMatch(/^Instruct: .*\nQuery: $/s);
    expect(prefixes.passage).toBe("");
  });

  it("gives English BGE models the search instruction on queries only", () => {
    for (const model of ["BAAI/bge-large-en-v1.5", "bge-small-en-v1.5-q8_0", "BAAI/bge-base-en"]) {
      expect(prefixesFor(model), model).toEqual({ query: BGE_QUERY, passage: "" });
    }
  });

  it("gives other models nothing, including multilingual BGE and names that merely contain the letters", () => {
    for (const model of ["BAAI/bge-m3", "nomic-embed-text-v1.5", "fake-model", "Qwen3-Embedding-0.6B", "gte-base-en-v1.5", "bge-reranker-large", "tiny-bert_seed-1_v1", "some5model"]) {
      expect(prefixesFor(model), model).toEqual({ query: "", passage: "" });
    }
  });
});

describe("withPrefixes", () => {
  it("prefixes each text by kind and leaves unprefixed models' texts alone", () => {
    expect(withPrefixes(["a", "b"], "intfloat/e5-base-v2", "query")).toEqual(["query: a", "query: b"]);
    expect(withPrefixes(["a"], "intfloat/e5-base-v2", "passage")).toEqual(["passage: a"]);
    expect(withPrefixes(["a"], "BAAI/bge-large-en-v1.5", "query")).toEqual([`${BGE_QUERY}a`]);
    expect(withPrefixes(["a"], "BAAI/bge-large-en-v1.5", "passage")).toEqual(["a"]);
    const texts = ["x"];
    expect(withPrefixes(texts, "fake-model", "query")).toBe(texts);
  });
});
