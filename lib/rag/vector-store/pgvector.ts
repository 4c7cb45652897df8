import type { Database } from "../../db/client";
import { checkedPoints, checkVector, spaceName } from "./space";
import type { VectorHit, VectorPoint, VectorSpace, VectorStore } from "./types";

export const NO_PGVECTOR =
  "PostgreSQL has no pgvector extension: install it (CREATE EXTENSION vector) or set QDRANT_URL; retrieval is lexical only";

const BATCH = 256;
/** Serializes creating space tables across processes sharing the database. */
const LOCK_KEY = 7_261_618;
/** How long a missing extension is believed before CREATE EXTENSION is tried again. */
const RECHECK_MS = 60_000;

interface Extension {
  version: string;
  /** pgvector >= 0.8 can keep scanning the HNSW graph until a filtered query has enough rows. */
  iterative: boolean;
}

/**
 * How a space's vectors are indexed: HNSW indexes `vector` up to 2,000
 * dimensions and `halfvec` up to 4,000; wider spaces are scanned exactly.
 */
function layout(dimensions: number) {
  if (dimensions <= 2000) return { key: `"embedding"`, query: `$1::vector`, ops: "vector_cosine_ops" };
  const half = `halfvec(${dimensions})`;
  if (dimensions <= 4000) {
    return { key: `("embedding"::${half})`, query: `$1::vector::${half}`, ops: "halfvec_cosine_ops" };
  }
  return { key: `"embedding"`, query: `$1::vector`, ops: undefined };
}

const literal = (vector: number[]) => `[${vector.join(",")}]`;

/** HNSW settings last made for the session of an embedded database (keyed by its runner: stores may share one). */
const sessionSettings = new WeakMap<object, string>();

/**
 * Vectors in the app's own database with pgvector: one table per space
 * (`ChunkVector_<model>_<hash>_<dim>`), created on first upsert and listed in
 * the `VectorSpace` registry. Rows reference their chunk, so deleting chunks
 * or documents removes their vectors too.
 */
export function createPgvectorStore(db: Pick<Database, "sql" | "kind">): VectorStore {
  const { sql } = db;
  const tables = new Map<string, Promise<void>>();
  let checked: { at: number; result: Promise<Extension | Error> } | undefined;

  function extension(): Promise<Extension | Error> {
    if (checked && Date.now() - checked.at < RECHECK_MS) return checked.result;
    const result = loadExtension();
    checked = { at: Date.now(), result };
    // A lost connection is not an answer: ask again next time.
    result.catch(() => (checked = undefined));
    return result.then((found) => {
      if (!(found instanceof Error)) checked = { at: Infinity, result };
      return found;
    });
  }

  async function loadExtension(): Promise<Extension | Error> {
    let failure: unknown;
    await sql.exec("CREATE EXTENSION IF NOT EXISTS vector").catch((error) => (failure = error));
    const [row] = await sql.query<{ extversion: string }>(
      "SELECT extversion FROM pg_extension WHERE extname = 'vector'",
    );
    if (!row) {
      const cause = failure instanceof Error ? ` (CREATE EXTENSION failed: ${failure.message})` : "";
      return new Error(NO_PGVECTOR + cause);
    }
    await sql.exec(`CREATE TABLE IF NOT EXISTS "VectorSpace" (
      "tableName" TEXT PRIMARY KEY,
      "model" TEXT NOT NULL,
      "dimensions" INTEGER NOT NULL,
      "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
      UNIQUE ("model", "dimensions"))`);
    const [major = 0, minor = 0] = row.extversion.split(".").map(Number);
    return { version: row.extversion, iterative: major > 0 || minor >= 8 };
  }

  async function required(): Promise<Extension> {
    const found = await extension();
    if (found instanceof Error) throw found;
    return found;
  }

  /** The space's table, created (once, idempotently) when `create` is set; undefined if it does not exist. */
  async function table(space: VectorSpace, create: boolean): Promise<string | undefined> {
    await required();
    const name = spaceName("ChunkVector", space);
    if (!tables.has(name)) {
      const [known] = await sql.query(`SELECT 1 FROM "VectorSpace" WHERE "tableName" = $1`, [name]);
      if (!known && !create) return undefined;
      if (!tables.has(name)) tables.set(name, known ? Promise.resolve() : createTable(space, name));
    }
    await tables.get(name)!.catch((error) => {
      tables.delete(name);
      throw error;
    });
    return name;
  }

  function createTable(space: VectorSpace, name: string) {
    const { key, ops } = layout(space.dimensions);
    return sql.transaction(async (tx) => {
      await tx.query("SELECT pg_advisory_xact_lock($1)", [LOCK_KEY]);
      await tx.exec(`CREATE TABLE IF NOT EXISTS "${name}" (
        "chunkId" TEXT PRIMARY KEY REFERENCES "Chunk"("id") ON DELETE CASCADE,
        "documentId" TEXT NOT NULL,
        "collectionId" TEXT NOT NULL,
        "embedding" vector(${space.dimensions}) NOT NULL);
        CREATE INDEX IF NOT EXISTS "${name}_collectionId" ON "${name}" ("collectionId");
        CREATE INDEX IF NOT EXISTS "${name}_documentId" ON "${name}" ("documentId");
        ${ops ? `CREATE INDEX IF NOT EXISTS "${name}_hnsw" ON "${name}" USING hnsw (${key} ${ops});` : ""}`);
      await tx.query(
        `INSERT INTO "VectorSpace" ("tableName", "model", "dimensions") VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`,
        [name, space.model, space.dimensions],
      );
    });
  }

  return {
    name: "pgvector",

    async status() {
      const found = await extension();
      if (found instanceof Error) return { available: false, detail: found.message };
      const filtered = found.iterative ? "" : " (no iterative index scans: short filtered results are re-run exactly)";
      return { available: true, detail: `pgvector ${found.version} on ${db.kind}${filtered}` };
    },

    async upsert(space: VectorSpace, points: VectorPoint[]) {
      const unique = checkedPoints(space, points);
      if (unique.length === 0) return;
      const name = await table(space, true);
      await sql.transaction(async (tx) => {
        for (let i = 0; i < unique.length; i += BATCH) {
          const batch = unique.slice(i, i + BATCH);
          await tx.query(
            `INSERT INTO "${name}" ("chunkId", "documentId", "collectionId", "embedding")
             SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[]::vector[])
             ON CONFLICT ("chunkId") DO UPDATE SET "documentId" = EXCLUDED."documentId",
               "collectionId" = EXCLUDED."collectionId", "embedding" = EXCLUDED."embedding"`,
            [
              batch.map((p) => p.chunkId),
              batch.map((p) => p.documentId),
              batch.map((p) => p.collectionId),
              batch.map((p) => literal(p.vector)),
            ],
          );
        }
      });
    },

    async search(space, vector, { collectionIds, limit, signal }): Promise<VectorHit[]> {
      checkVector(space, vector, "query vector");
      signal?.throwIfAborted();
      if (collectionIds.length === 0 || limit < 1) return [];
      const { iterative } = await required();
      const name = await table(space, false);
      if (!name) return [];
      const { key, query } = layout(space.dimensions);
      const text = `WITH hits AS MATERIALIZED (
          SELECT "chunkId", 1 - ("embedding" <=> $1::vector) AS score FROM "${name}"
          WHERE "collectionId" = ANY($2::text[]) ORDER BY ${key} <=> ${query} LIMIT $3)
        SELECT "chunkId", score FROM hits ORDER BY score DESC, "chunkId"`;
      const params = [literal(vector), collectionIds, limit];
      const ef = Math.min(1000, Math.max(40, iterative ? limit : limit * 10));
      const settings = [`hnsw.ef_search = ${ef}`, ...(iterative ? ["hnsw.iterative_scan = relaxed_order"] : [])];
      type Row = { chunkId: string; score: number };
      // The index ran out (a very selective filter): read the collection's rows exactly.
      const exact = async (tx: Pick<Database["sql"], "exec" | "query">) => {
        await tx.exec("SET LOCAL enable_indexscan = off");
        return tx.query<Row>(text, params);
      };
      let rows: Row[];
      if (db.kind === "pglite") {
        // One session, whose statements never interleave with another caller's
        // transaction: its settings are made once, and a search is one round trip
        // instead of four (BEGIN, SET LOCAL, SELECT, COMMIT: ~0.5 ms of ~3 ms).
        const session = settings.map((setting) => `SET ${setting};`).join(" ");
        if (sessionSettings.get(sql) !== session) {
          await sql.exec(session);
          sessionSettings.set(sql, session);
        }
        rows = await sql.query<Row>(text, params);
        if (rows.length < limit) rows = await sql.transaction(exact);
      } else {
        rows = await sql.transaction(async (tx) => {
          await tx.exec(settings.map((setting) => `SET LOCAL ${setting};`).join(" "));
          const found = await tx.query<Row>(text, params);
          return found.length >= limit ? found : exact(tx);
        });
      }
      signal?.throwIfAborted();
      return rows.map((row) => ({ chunkId: row.chunkId, score: Number(row.score) }));
    },

    async deleteDocument(documentId: string) {
      if ((await extension()) instanceof Error) return; // nothing can have been stored
      const spaces = await sql.query<{ tableName: string }>(`SELECT "tableName" FROM "VectorSpace"`);
      await sql.transaction(async (tx) => {
        for (const { tableName } of spaces) {
          await tx.query(`DELETE FROM "${tableName}" WHERE "documentId" = $1`, [documentId]);
        }
      });
    },
  };
}
