import { config } from "../../config";
import { database, type Database } from "../../db/client";
import { createPgvectorStore } from "./pgvector";
import { createQdrantStore } from "./qdrant";
import type { VectorStore } from "./types";

export type { VectorHit, VectorPoint, VectorSpace, VectorStore, VectorStoreStatus } from "./types";

let cached: { key: string; db?: Database; store: VectorStore } | undefined;

/**
 * The knowledge base's vector store: Qdrant when QDRANT_URL is set, else
 * pgvector in the app's database. One per process, made again when QDRANT_URL
 * or the database changes (tests swap databases).
 */
export async function vectorStore(): Promise<VectorStore> {
  const url = config.vectors.qdrantUrl;
  const apiKey = config.vectors.qdrantApiKey;
  if (url) {
    const key = `qdrant ${url} ${apiKey ?? ""}`;
    if (cached?.key !== key) cached = { key, store: createQdrantStore({ url, apiKey }) };
    return cached.store;
  }
  const db = await database();
  if (cached?.key !== "pgvector" || cached.db !== db) cached = { key: "pgvector", db, store: createPgvectorStore(db) };
  return cached.store;
}
