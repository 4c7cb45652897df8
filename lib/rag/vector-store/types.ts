/**
 * Where chunk vectors live. Each embedding model and dimension is its own
 * space (a table in pgvector, a collection in Qdrant), so vectors of different
 * models are never compared.
 */
export interface VectorSpace {
  model: string;
  dimensions: number;
}

export interface VectorPoint {
  chunkId: string;
  documentId: string;
  collectionId: string;
  vector: number[];
}

export interface VectorHit {
  chunkId: string;
  /** Cosine similarity, higher is closer (1 = same direction). */
  score: number;
}

export interface VectorStoreStatus {
  available: boolean;
  detail: string;
}

export interface VectorStore {
  readonly name: "pgvector" | "qdrant";
  status(): Promise<VectorStoreStatus>;
  /** Inserts or replaces points (by chunk id). */
  upsert(space: VectorSpace, points: VectorPoint[]): Promise<void>;
  /** Nearest points whose collection is one of `collectionIds` (none given: no results). */
  search(
    space: VectorSpace,
    vector: number[],
    options: { collectionIds: string[]; limit: number; signal?: AbortSignal },
  ): Promise<VectorHit[]>;
  /** Removes every vector of the document, in every space. */
  deleteDocument(documentId: string): Promise<void>;
}
