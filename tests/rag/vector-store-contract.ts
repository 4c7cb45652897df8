import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { VectorPoint, VectorSpace, VectorStore } from "../../lib/rag/vector-store/types";

export interface ChunkRow {
  chunkId: string;
  documentId: string;
  collectionId: string;
}

export interface StoreHarness {
  store: VectorStore;
  /** Creates the chunk rows (and their documents and collections) points may refer to. Idempotent. */
  insertChunks(rows: ChunkRow[]): Promise<void>;
  cleanup(): Promise<void>;
}

/** Deterministic pseudo-random numbers (mulberry32), so failures reproduce. */
export function random(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296 - 0.5;
  };
}

export function cosine(a: number[], b: number[]) {
  let dot = 0;
  let na = 0;
  let nb = 0;
  a.forEach((x, i) => {
    dot += x * b[i]!;
    na += x * x;
    nb += b[i]! * b[i]!;
  });
  return dot / Math.sqrt(na * nb);
}

/**
 * The behaviour every VectorStore must have, run against a real backend:
 * `makeStore` gives a fresh store and a way to create the chunk rows its
 * points refer to. With `skipped` set, the suite is reported as skipped and why.
 */
export function vectorStoreContract(name: string, makeStore: () => Promise<StoreHarness>, skipped?: string) {
  describe.skipIf(skipped !== undefined)(`${name}${skipped ? ` (skipped: ${skipped})` : ""}`, () => {
    let harness: StoreHarness | undefined;
    const store = () => harness!.store;
    const run = randomUUID().slice(0, 8);
    let spaces = 0;
    /** A space no other test writes to. */
    const space = (dimensions: number, model = `contract-${run}/model-${++spaces}`): VectorSpace => ({ model, dimensions });

    /** Stores `vectors` as new chunks of one document (new ids unless given). */
    async function add(
      target: VectorSpace,
      vectors: number[][],
      where: { collectionId?: string; documentId?: string } = {},
    ): Promise<VectorPoint[]> {
      const collectionId = where.collectionId ?? randomUUID();
      const documentId = where.documentId ?? randomUUID();
      const points = vectors.map((vector) => ({ chunkId: randomUUID(), documentId, collectionId, vector }));
      await harness!.insertChunks(points);
      await store().upsert(target, points);
      return points;
    }

    const ids = (hits: { chunkId: string }[]) => hits.map((hit) => hit.chunkId);

    beforeAll(async () => {
      harness = await makeStore();
    });
    afterAll(async () => harness?.cleanup());

    it("reports itself available", async () => {
      expect(await store().status()).toMatchObject({ available: true });
    });

    it("returns the nearest points first, scored by cosine similarity", async () => {
      const s = space(4);
      const [same, scaled, near, orthogonal, opposite] = await add(s, [
        [1, 0, 0, 0],
        [3, 0, 0, 0],
        [1, 1, 0, 0],
        [0, 1, 0, 0],
        [-1, 0, 0, 0],
      ]);
      const hits = await store().search(s, [1, 0, 0, 0], { collectionIds: [same!.collectionId], limit: 10 });
      expect(new Set(ids(hits.slice(0, 2)))).toEqual(new Set([same!.chunkId, scaled!.chunkId]));
      expect(ids(hits.slice(2))).toEqual([near!.chunkId, orthogonal!.chunkId, opposite!.chunkId]);
      const scores = hits.map((hit) => hit.score);
      [1, 1, Math.SQRT1_2, 0, -1].forEach((expected, i) => expect(scores[i]).toBeCloseTo(expected, 3));
    });

    it("never returns points of collections not asked for, even closer ones", async () => {
      const s = space(4);
      const inA = await add(s, [
        [0, 1, 0, 0],
        [0, 0, 1, 0],
      ]);
      const [inB] = await add(s, [[1, 0, 0, 0]]);
      const a = inA[0]!.collectionId;
      const b = inB!.collectionId;
      const query = [1, 0, 0, 0];
      expect(new Set(ids(await store().search(s, query, { collectionIds: [a], limit: 10 })))).toEqual(
        new Set(ids(inA)),
      );
      expect(ids(await store().search(s, query, { collectionIds: [b], limit: 10 }))).toEqual([inB!.chunkId]);
      expect(ids(await store().search(s, query, { collectionIds: [a, b], limit: 10 }))[0]).toBe(inB!.chunkId);
      expect(await store().search(s, query, { collectionIds: [randomUUID()], limit: 10 })).toEqual([]);
    });

    it("returns nothing without collections, or from a space never written", async () => {
      const s = space(4);
      await add(s, [[1, 0, 0, 0]]);
      expect(await store().search(s, [1, 0, 0, 0], { collectionIds: [], limit: 10 })).toEqual([]);
      expect(await store().search(space(4), [1, 0, 0, 0], { collectionIds: [randomUUID()], limit: 10 })).toEqual([]);
    });

    it("replaces a point upserted again under the same chunk id", async () => {
      const s = space(4);
      const [point] = await add(s, [[1, 0, 0, 0]]);
      await store().upsert(s, [{ ...point!, vector: [0, 1, 0, 0] }]);
      const where = { collectionIds: [point!.collectionId], limit: 10 };
      const hits = await store().search(s, [0, 1, 0, 0], where);
      expect(ids(hits)).toEqual([point!.chunkId]);
      expect(hits[0]!.score).toBeCloseTo(1, 3);
      // Within one call too, the last vector given wins.
      await store().upsert(s, [
        { ...point!, vector: [0, 0, 1, 0] },
        { ...point!, vector: [0, 0, 0, 1] },
      ]);
      const again = await store().search(s, [0, 0, 0, 1], where);
      expect(ids(again)).toEqual([point!.chunkId]);
      expect(again[0]!.score).toBeCloseTo(1, 3);
    });

    it("deletes a document's points in every space and nothing else", async () => {
      const wide = space(4);
      const narrow = space(3);
      const collectionId = randomUUID();
      const doomed = await add(wide, [[1, 0, 0, 0], [0, 1, 0, 0]], { collectionId });
      const kept = await add(wide, [[1, 1, 0, 0]], { collectionId });
      // The same chunks embedded by a second model.
      await store().upsert(narrow, [...doomed, ...kept].map((p) => ({ ...p, vector: p.vector.slice(0, 3) })));
      await store().deleteDocument(doomed[0]!.documentId);
      for (const [s, query] of [[wide, [1, 0, 0, 0]], [narrow, [1, 0, 0]]] as const) {
        expect(ids(await store().search(s, [...query], { collectionIds: [collectionId], limit: 10 }))).toEqual(
          ids(kept),
        );
      }
      await store().deleteDocument(randomUUID()); // an unknown document is no error
    });

    it("keeps spaces apart: other models and dimensions never see each other's points", async () => {
      const model = `contract-${run}/shared`;
      const a = space(4, model);
      const sameModelOtherDimension = space(3, model);
      const otherModel = space(4, `${model}-other`);
      const [point] = await add(a, [[1, 0, 0, 0]]);
      const where = { collectionIds: [point!.collectionId], limit: 10 };
      expect(await store().search(sameModelOtherDimension, [1, 0, 0], where)).toEqual([]);
      expect(await store().search(otherModel, [1, 0, 0, 0], where)).toEqual([]);
      // The same chunk in another space keeps its own vector there.
      await store().upsert(otherModel, [{ ...point!, vector: [0, 1, 0, 0] }]);
      expect((await store().search(a, [1, 0, 0, 0], where))[0]!.score).toBeCloseTo(1, 3);
      expect((await store().search(otherModel, [1, 0, 0, 0], where))[0]!.score).toBeCloseTo(0, 3);
    });

    it("accepts any model name, and names differing only in spelling are different spaces", async () => {
      const odd = space(2, `'; DROP TABLE "Chunk"; -- ÄÖ/名前 ${"x".repeat(300)} ${run}`);
      const upper = space(2, `BGE/Small-${run}`);
      const lower = space(2, `bge-small-${run}`);
      const [p] = await add(odd, [[1, 0]]);
      const [q] = await add(upper, [[0, 1]], { collectionId: p!.collectionId });
      const where = { collectionIds: [p!.collectionId], limit: 10 };
      expect(ids(await store().search(odd, [1, 0], where))).toEqual([p!.chunkId]);
      expect(ids(await store().search(upper, [1, 0], where))).toEqual([q!.chunkId]);
      expect(await store().search(lower, [1, 0], where)).toEqual([]);
    });

    it("rejects vectors whose dimension does not match the space, writing nothing", async () => {
      const s = space(4);
      const [good] = await add(s, [[1, 0, 0, 0]]);
      const bad = { ...good!, chunkId: randomUUID(), vector: [1, 0, 0] };
      await harness!.insertChunks([bad]);
      await expect(store().upsert(s, [{ ...good!, vector: [0, 1, 0, 0] }, bad])).rejects.toThrow(/dimensions/);
      const where = { collectionIds: [good!.collectionId], limit: 10 };
      const hits = await store().search(s, [1, 0, 0, 0], where);
      expect(ids(hits)).toEqual([good!.chunkId]);
      expect(hits[0]!.score).toBeCloseTo(1, 3);
      await expect(store().search(s, [1, 0, 0, 0, 0], where)).rejects.toThrow(/dimensions/);
    });

    it("honours the limit with the true nearest points", async () => {
      const s = space(8);
      const next = random(7);
      const points = await add(s, Array.from({ length: 60 }, () => Array.from({ length: 8 }, next)));
      const query = Array.from({ length: 8 }, next);
      const hits = await store().search(s, query, { collectionIds: [points[0]!.collectionId], limit: 5 });
      const exact = [...points].sort((x, y) => cosine(query, y.vector) - cosine(query, x.vector)).slice(0, 5);
      expect(ids(hits)).toEqual(ids(exact));
      hits.forEach((hit, i) => expect(hit.score).toBeCloseTo(cosine(query, exact[i]!.vector), 3));
    });

    it("fills the limit when the collection filter selects 1% of 3,000 points", { timeout: 180_000 }, async () => {
      const s = space(32);
      const next = random(11);
      const vector = () => Array.from({ length: 32 }, next);
      const target = randomUUID();
      const others = Array.from({ length: 9 }, () => randomUUID());
      const all: VectorPoint[] = Array.from({ length: 3000 }, (_, i) => ({
        chunkId: randomUUID(),
        documentId: randomUUID(),
        collectionId: i % 100 === 0 ? target : others[i % others.length]!,
        vector: vector(),
      }));
      await harness!.insertChunks(all);
      await store().upsert(s, all);
      const mine = all.filter((p) => p.collectionId === target);
      expect(mine).toHaveLength(30);
      let found = 0;
      const started = performance.now();
      const queries = 20;
      for (let q = 0; q < queries; q++) {
        const query = vector();
        const hits = await store().search(s, query, { collectionIds: [target], limit: 10 });
        expect(hits).toHaveLength(10);
        expect(hits.every((hit) => mine.some((p) => p.chunkId === hit.chunkId))).toBe(true);
        const exact = new Set(
          ids([...mine].sort((x, y) => cosine(query, y.vector) - cosine(query, x.vector)).slice(0, 10)),
        );
        found += hits.filter((hit) => exact.has(hit.chunkId)).length;
      }
      const recall = found / (queries * 10);
      const ms = (performance.now() - started) / queries;
      console.info(`[${name}] 1% filter over 3,000 x 32-d: recall@10 ${recall.toFixed(3)}, ${ms.toFixed(1)} ms/search`);
      expect(recall).toBeGreaterThanOrEqual(0.9);
    });
  });
}
