import type { EmbeddingKind } from "./types";

/**
 * Texts some embedding model families were trained to see in front of queries
 * and passages. Leaving them out costs those models several points of
 * retrieval quality; adding them to a model that does not expect them costs
 * about as much, so unknown models get none.
 */
export type Prefixes = { query: string; passage: string };

const NONE: Prefixes = { query: "", passage: "" };
/** intfloat/e5-*, multilingual-e5-* (not the -instruct ones). */
const E5: Prefixes = { query: "query: ", passage: "passage: " };
/** multilingual-e5-large-instruct, e5-mistral-7b-instruct: an instruction on the query only. */
const E5_INSTRUCT: Prefixes = {
  query: "Instruct: Given a web search query, retrieve relevant passages that answer the query\nQuery: ",
  passage: "",
};
/** BAAI/bge-*-en and bge-*-en-v1.5: an instruction on the query only. */
const BGE_EN: Prefixes = { query: "Represent this sentence for searching relevant passages: ", passage: "" };

/** The prefixes for a model, known by its name (a server's model id or a GGUF file name). */
export function prefixesFor(model: string): Prefixes {
  const name = model.toLowerCase();
  if (/(^|[^a-z0-9])e5([^a-z0-9]|$)/.test(name)) return name.includes("instruct") ? E5_INSTRUCT : E5;
  if (name.includes("bge-") && name.includes("-en")) return BGE_EN;
  return NONE;
}

/** The texts as the model should see them. */
export function withPrefixes(texts: string[], model: string, kind: EmbeddingKind): string[] {
  const prefix = prefixesFor(model)[kind];
  return prefix ? texts.map((text) => prefix + text) : texts;
}
