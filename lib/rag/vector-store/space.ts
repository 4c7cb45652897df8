import { createHash } from "node:crypto";
import type { VectorPoint, VectorSpace } from "./types";

/**
 * A safe, stable name for a vector space (table or collection): a readable
 * slug of the model, a hash of the exact model string (so "BGE/small" and
 * "bge-small" stay apart) and the dimension, e.g. `parley_bge_small_1a2b3c4d_384`.
 * Short enough for PostgreSQL's 63-byte identifiers with an index suffix.
 */
export function spaceName(prefix: string, space: VectorSpace): string {
  checkSpace(space);
  const slug =
    space.model
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, "_")
      .replace(/^_+|_+$/g, "")
      .slice(0, 20)
      .replace(/_+$/, "") || "model";
  const hash = createHash("sha256").update(`${space.model}\n${space.dimensions}`).digest("hex").slice(0, 8);
  return `${prefix}_${slug}_${hash}_${space.dimensions}`;
}

export function checkSpace(space: VectorSpace) {
  if (!space.model) throw new Error("vector space needs an embedding model name");
  if (!Number.isInteger(space.dimensions) || space.dimensions < 1 || space.dimensions > 16_000) {
    throw new Error(`vector space "${space.model}" has invalid dimensions ${space.dimensions} (1 to 16000)`);
  }
}

/** Throws a clear error unless `vector` fits the space. */
export function checkVector(space: VectorSpace, vector: number[], what: string) {
  if (vector.length !== space.dimensions) {
    throw new Error(
      `${what} has ${vector.length} dimensions but space "${space.model}" has ${space.dimensions}: ` +
        "was it embedded with another model?",
    );
  }
  if (!vector.every(Number.isFinite)) throw new Error(`${what} contains a non-finite number`);
}

/** Checks every point and keeps the last one given for each chunk (a write may not touch a point twice). */
export function checkedPoints(space: VectorSpace, points: VectorPoint[]): VectorPoint[] {
  for (const point of points) checkVector(space, point.vector, `vector of chunk ${point.chunkId}`);
  return [...new Map(points.map((point) => [point.chunkId, point])).values()];
}
