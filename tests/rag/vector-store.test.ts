import { randomUUID } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { QdrantClient } from "@qdrant/js-client-rest";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { useDatabase, type Database } from "../../lib/db/client";
import type { SqlExecutor } from "../../lib/db/migrate";
import { vectorStore } from "../../lib/rag/vector-store";
import { createPgvectorStore, NO_PGVECTOR } from "../../lib/rag/vector-store/pgvector";
import { createQdrantStore } from "../../lib/rag/vector-store/qdrant";
import { type Backend, openTestDatabase, type TestDatabase } from "../helpers/db";
import { type ChunkRow, random, type StoreHarness, vectorStoreContract } from "./vector-store-contract";

const serverUrl = process.env.TEST_DATABASE_URL;
const qdrantUrl = process.env.QDRANT_URL;

async function serverHasPgvector(url: string): Promise<boolean> {
  const { Client } = await import("pg");
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query("SELECT 1 FROM pg_available_extensions WHERE name = 'vector'")).rowCount! > 0;
  } finally {
    await client.end();
  }
}

const postgresHasPgvector = serverUrl ? await serverHasPgvector(serverUrl) : false;

/** Why pgvector cannot be tested on a backend here, if it cannot. */
const pgvectorSkip: Record<Backend, string | undefined> = {
  pglite: undefined,
  postgres: !serverUrl
    ? "TEST_DATABASE_URL not set"
    : postgresHasPgvector
      ? undefined
      : "the PostgreSQL server has no pgvector extension",
};

/** The Collection, Document and Chunk rows vectors refer to (minimal columns). */
async function insertChunks(sql: SqlExecutor, rows: ChunkRow[]) {
  const documents = new Map(rows.map((r) => [r.documentId, r.collectionId]));
  await sql.query(
    `INSERT INTO "Collection" ("id", "name") SELECT id, 'contract' FROM unnest($1::text[]) AS id ON CONFLICT DO NOTHING`,
    [[...new Set(rows.map((r) => r.collectionId))]],
  );
  await sql.query(
    `INSERT INTO "Document" ("id", "collectionId", "name", "kind", "sizeBytes", "sha256")
     SELECT d, c, 'contract', 'text', 0, '' FROM unnest($1::text[], $2::text[]) AS t(d, c) ON CONFLICT DO NOTHING`,
    [[...documents.keys()], [...documents.values()]],
  );
  await sql.query(
    `INSERT INTO "Chunk" ("id", "documentId", "collectionId", "ord", "text", "context", "start", "end", "tokens", "tsv")
     SELECT id, d, c, 0, '', '', 0, 0, 0, ''::tsvector FROM unnest($1::text[], $2::text[], $3::text[]) AS t(id, d, c)
     ON CONFLICT DO NOTHING`,
    [rows.map((r) => r.chunkId), rows.map((r) => r.documentId), rows.map((r) => r.collectionId)],
  );
}

function pgvectorHarness(backend: Backend) {
  return async (): Promise<StoreHarness & { test: TestDatabase }> => {
    const test = await openTestDatabase(backend);
    return {
      test,
      store: createPgvectorStore(test.db),
      insertChunks: (rows) => insertChunks(test.db.sql, rows),
      cleanup: () => test.close(),
    };
  };
}

for (const backend of ["pglite", "postgres"] as const) {
  vectorStoreContract(`pgvector store on ${backend}`, pgvectorHarness(backend), pgvectorSkip[backend]);
}

vectorStoreContract(
  "qdrant store against a real Qdrant server",
  async () => {
    const client = new QdrantClient({ url: qdrantUrl!, apiKey: process.env.QDRANT_API_KEY, checkCompatibility: false });
    const names = async () => (await client.getCollections()).collections.map((c) => c.name);
    const before = new Set(await names());
    return {
      store: createQdrantStore({ url: qdrantUrl!, apiKey: process.env.QDRANT_API_KEY }),
      insertChunks: async () => {}, // Qdrant keeps its own payload: no rows needed
      cleanup: async () => {
        for (const name of await names()) {
          if (name.startsWith("parley_") && !before.has(name)) await client.deleteCollection(name);
        }
      },
    };
  },
  qdrantUrl ? undefined : "QDRANT_URL not set",
);

for (const backend of ["pglite", "postgres"] as const) {
  const skip = pgvectorSkip[backend];
  describe.skipIf(skip !== undefined)(`pgvector specifics on ${backend}${skip ? ` (skipped: ${skip})` : ""}`, () => {
    let h: Awaited<ReturnType<ReturnType<typeof pgvectorHarness>>>;
    beforeAll(async () => {
      h = await pgvectorHarness(backend)();
    });
    afterAll(async () => h?.cleanup());

    const point = (vector: number[], collectionId = randomUUID()) => ({
      chunkId: randomUUID(),
      documentId: randomUUID(),
      collectionId,
      vector,
    });

    it("reports its pgvector version", async () => {
      expect(await h.store.status()).toEqual({ available: true, detail: expect.stringMatching(/^pgvector \d+\.\d+/) });
    });

    it("drops a chunk's vectors with the chunk (foreign key), and refuses vectors of unknown chunks", async () => {
      const space = { model: `fk-${randomUUID()}`, dimensions: 2 };
      const p = point([1, 0]);
      await insertChunks(h.test.db.sql, [p]);
      await h.store.upsert(space, [p]);
      await h.test.db.sql.query(`DELETE FROM "Document" WHERE "id" = $1`, [p.documentId]);
      expect(await h.store.search(space, [1, 0], { collectionIds: [p.collectionId], limit: 5 })).toEqual([]);
      await expect(h.store.upsert(space, [point([1, 0])])).rejects.toThrow(/foreign key/);
    });

    it("records each space's table in the VectorSpace registry, once", async () => {
      const space = { model: `registry "${randomUUID()}"`, dimensions: 3 };
      const [a, b] = [point([1, 0, 0]), point([0, 1, 0])];
      await insertChunks(h.test.db.sql, [a, b]);
      await Promise.all([h.store.upsert(space, [a]), createPgvectorStore(h.test.db).upsert(space, [b])]);
      const rows = await h.test.db.sql.query<{ tableName: string }>(
        `SELECT "tableName" FROM "VectorSpace" WHERE "model" = $1 AND "dimensions" = 3`,
        [space.model],
      );
      expect(rows).toHaveLength(1);
      expect(rows[0]!.tableName).toMatch(/^ChunkVector_registry_[0-9a-f_]+_3$/);
    });

    it("fills a 1% filter from the HNSW index itself (iterative scan), without the exact fallback", { timeout: 180_000 }, async () => {
      const { sql, kind } = h.test.db;
      const space = { model: `iterative-${randomUUID()}`, dimensions: 64 };
      const next = random(13);
      const vector = () => Array.from({ length: 64 }, next);
      const target = randomUUID();
      const other = randomUUID();
      const points = Array.from({ length: 3000 }, (_, i) => point(vector(), i % 100 === 0 ? target : other));
      await insertChunks(sql, points);
      await h.store.upsert(space, points);
      const [{ tableName }] = (await sql.query<{ tableName: string }>(
        `SELECT "tableName" FROM "VectorSpace" WHERE "model" = $1`,
        [space.model],
      )) as [{ tableName: string }];
      // Leave the planner no way but the HNSW index, and watch for the exact re-run.
      await sql.exec(`DROP INDEX "${tableName}_collectionId"`);
      const statements: string[] = [];
      const forced = {
        kind,
        sql: {
          ...sql,
          // The embedded database searches outside a transaction, with settings made for its session.
          exec: (text: string) => (statements.push(text), sql.exec(text)),
          transaction: <T>(work: (tx: SqlExecutor) => Promise<T>) =>
            sql.transaction(async (tx) => {
              await tx.exec("SET LOCAL enable_seqscan = off; SET LOCAL enable_bitmapscan = off");
              return work({ query: tx.query, exec: (text) => (statements.push(text), tx.exec(text)) });
            }),
        },
      };
      const plan = await forced.sql.transaction((tx) =>
        tx.query<Record<string, string>>(
          `EXPLAIN SELECT 1 FROM "${tableName}" WHERE "collectionId" = ANY($2::text[])
           ORDER BY "embedding" <=> $1::vector LIMIT 10`,
          [`[${vector().join(",")}]`, [target]],
        ),
      );
      expect(plan.map((row) => Object.values(row)[0]).join("\n")).toContain(`${tableName}_hnsw`);
      const store = createPgvectorStore(forced);
      if (kind === "pglite") await sql.exec("SET enable_seqscan = off; SET enable_bitmapscan = off");
      try {
        for (let q = 0; q < 10; q++) {
          const hits = await store.search(space, vector(), { collectionIds: [target], limit: 10 });
          expect(hits).toHaveLength(10);
        }
      } finally {
        if (kind === "pglite") await sql.exec("RESET enable_seqscan; RESET enable_bitmapscan");
      }
      expect(statements.some((text) => text.includes("iterative_scan"))).toBe(true);
      expect(statements.some((text) => text.includes("enable_indexscan"))).toBe(false);
    });

    it.runIf(backend === "pglite")("searches the embedded database in one statement, its HNSW settings made once", async () => {
      const { sql, kind } = h.test.db;
      const space = { model: `session-${randomUUID()}`, dimensions: 2 };
      const collectionId = randomUUID();
      const points = Array.from({ length: 70 }, (_, i) => point([Math.cos(i / 20), Math.sin(i / 20)], collectionId));
      await insertChunks(sql, points);
      await h.store.upsert(space, points);
      const calls: string[] = [];
      const counted = {
        kind,
        sql: {
          exec: (text: string) => (calls.push(`exec ${text}`), sql.exec(text)),
          query: <T>(text: string, params?: unknown[]) => (calls.push("query"), sql.query<T>(text, params)),
          transaction: <T>(work: (tx: SqlExecutor) => Promise<T>) => (calls.push("transaction"), sql.transaction(work)),
        },
      };
      const store = createPgvectorStore(counted);
      const expected = (await h.store.search(space, [1, 0], { collectionIds: [collectionId], limit: 5 })).map((x) => x.chunkId);
      await store.search(space, [1, 0], { collectionIds: [collectionId], limit: 5 }); // store start-up queries
      calls.length = 0;
      for (let q = 0; q < 3; q++) {
        expect((await store.search(space, [1, 0], { collectionIds: [collectionId], limit: 5 })).map((x) => x.chunkId)).toEqual(expected);
      }
      expect(calls).toEqual(["query", "query", "query"]);
      // Another limit asks for another ef_search: made once more for the session.
      calls.length = 0;
      expect(await store.search(space, [1, 0], { collectionIds: [collectionId], limit: 60 })).toHaveLength(60);
      expect(calls).toEqual(["exec SET hnsw.ef_search = 60; SET hnsw.iterative_scan = relaxed_order;", "query"]);
      expect(await sql.query("SHOW hnsw.ef_search")).toEqual([{ "hnsw.ef_search": "60" }]);
      // Fewer points than the limit: the exact re-run, in a transaction of its own.
      calls.length = 0;
      expect(await store.search(space, [1, 0], { collectionIds: [collectionId], limit: 80 })).toHaveLength(70);
      expect(calls).toEqual(["exec SET hnsw.ef_search = 80; SET hnsw.iterative_scan = relaxed_order;", "query", "transaction"]);
    });

    it("indexes spaces wider than 2,000 dimensions as halfvec and searches wider than 4,000 exactly", async () => {
      for (const dimensions of [3072, 4096]) {
        const space = { model: `wide-${randomUUID()}`, dimensions };
        const unit = (i: number) => Array.from({ length: dimensions }, (_, j) => (j === i ? 1 : 0));
        const collectionId = randomUUID();
        const points = [point(unit(0), collectionId), point(unit(1), collectionId)];
        await insertChunks(h.test.db.sql, points);
        await h.store.upsert(space, points);
        const hits = await h.store.search(space, unit(1), { collectionIds: [collectionId], limit: 5 });
        expect(hits.map((x) => x.chunkId)).toEqual([points[1]!.chunkId, points[0]!.chunkId]);
        expect(hits[0]!.score).toBeCloseTo(1, 3);
      }
    });
  });
}

const noExtension = !serverUrl ? "TEST_DATABASE_URL not set" : postgresHasPgvector ? "the server has pgvector" : undefined;
describe.skipIf(noExtension !== undefined)(
  `pgvector store on PostgreSQL without the extension${noExtension ? ` (skipped: ${noExtension})` : ""}`,
  () => {
    let test: TestDatabase;
    beforeAll(async () => {
      test = await openTestDatabase("postgres");
    });
    afterAll(async () => test?.close());

    it("reports itself unavailable with what to do, and refuses to store or search", async () => {
      const store = createPgvectorStore(test.db);
      const status = await store.status();
      expect(status.available).toBe(false);
      expect(status.detail).toContain(NO_PGVECTOR);
      const space = { model: "m", dimensions: 2 };
      const p = { chunkId: randomUUID(), documentId: randomUUID(), collectionId: randomUUID(), vector: [1, 0] };
      await expect(store.upsert(space, [p])).rejects.toThrow(NO_PGVECTOR);
      await expect(store.search(space, [1, 0], { collectionIds: [p.collectionId], limit: 5 })).rejects.toThrow(
        NO_PGVECTOR,
      );
      await expect(store.deleteDocument(p.documentId)).resolves.toBeUndefined();
    });
  },
);

describe("vectorStore() picks the configured store", () => {
  let test: TestDatabase;
  const saved = process.env.QDRANT_URL;
  beforeAll(async () => {
    test = await openTestDatabase("pglite");
  });
  afterEach(() => {
    if (saved === undefined) delete process.env.QDRANT_URL;
    else process.env.QDRANT_URL = saved;
  });
  afterAll(async () => test?.close());

  it("uses pgvector without QDRANT_URL, Qdrant with it, once per process, anew when either changes", async () => {
    delete process.env.QDRANT_URL;
    const first = await vectorStore();
    expect(first.name).toBe("pgvector");
    expect(await vectorStore()).toBe(first);
    process.env.QDRANT_URL = "http://127.0.0.1:1";
    const qdrant = await vectorStore();
    expect(qdrant.name).toBe("qdrant");
    expect(await vectorStore()).toBe(qdrant);
    delete process.env.QDRANT_URL;
    const again = await vectorStore();
    expect(again.name).toBe("pgvector");
    useDatabase({ ...test.db } as Database); // another database
    const swapped = await vectorStore();
    expect(swapped).not.toBe(again);
    useDatabase(test.db);
  });
});

describe("qdrant store request shapes (recorded by a local fake HTTP server; not a substitute for the real-server contract run)", () => {
  interface Call {
    method: string;
    url: string;
    body: unknown;
  }
  const calls: Call[] = [];
  let reply: (call: Call) => { status?: number; body?: unknown; delayMs?: number } = () => ({});
  let server: http.Server;
  let url: string;

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      let raw = "";
      req.on("data", (chunk) => (raw += chunk));
      req.on("end", () => {
        const call = { method: req.method!, url: req.url!, body: raw ? JSON.parse(raw) : undefined };
        calls.push(call);
        const { status = 200, body, delayMs = 0 } = reply(call);
        setTimeout(() => {
          res.writeHead(status, { "content-type": "application/json" });
          res.end(JSON.stringify(body ?? { status: "ok", time: 0, result: true }));
        }, delayMs);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterEach(() => {
    calls.length = 0;
    reply = () => ({});
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const space = { model: "BAAI/bge-small-en-v1.5", dimensions: 3 };
  const chunkId = randomUUID();
  const point = { chunkId, documentId: "doc-1", collectionId: "col-1", vector: [1, 0, 0] };

  it("creates a cosine collection with keyword indexes once, then upserts points with their ids as payload", async () => {
    const store = createQdrantStore({ url });
    await store.upsert(space, [point]);
    await store.upsert(space, [point]);
    const name = calls[0]!.url.split("/")[2]!;
    expect(name).toMatch(/^parley_baai_bge_small_en_v1_[0-9a-f]{8}_3$/);
    expect(calls.map((c) => `${c.method} ${c.url.split("?")[0]}`)).toEqual([
      `PUT /collections/${name}`,
      `PUT /collections/${name}/index`,
      `PUT /collections/${name}/index`,
      `PUT /collections/${name}/points`,
      `PUT /collections/${name}/points`,
    ]);
    expect(calls[0]!.body).toMatchObject({ vectors: { size: 3, distance: "Cosine" } });
    expect([calls[1]!.body, calls[2]!.body]).toEqual([
      { field_name: "collectionId", field_schema: "keyword" },
      { field_name: "documentId", field_schema: "keyword" },
    ]);
    expect(calls[1]!.url).toContain("wait=true");
    expect(calls[3]!.url).toContain("wait=true");
    expect(calls[3]!.body).toEqual({
      points: [{ id: chunkId, vector: [1, 0, 0], payload: { chunkId, documentId: "doc-1", collectionId: "col-1" } }],
    });
  });

  it("takes a collection another process created first (409) as its own", async () => {
    const conflict = { status: 409, body: { status: { error: "Collection already exists!" } } };
    reply = (c) => (c.url.split("/").length === 3 && c.method === "PUT" ? conflict : {});
    await createQdrantStore({ url }).upsert(space, [point]);
    expect(calls.map((c) => c.method + " " + c.url.split("?")[0]!.split("/").slice(3).join("/"))).toEqual([
      "PUT ",
      "PUT index",
      "PUT index",
      "PUT points",
    ]);
  });

  it("searches with a collectionId filter and only the chunkId payload, and finds nothing in a missing collection", async () => {
    const points = [{ id: chunkId, version: 1, score: 0.5, payload: { chunkId } }];
    reply = () => ({ body: { status: "ok", result: { points } } });
    const store = createQdrantStore({ url });
    expect(await store.search(space, [0, 1, 0], { collectionIds: ["a", "b"], limit: 7 })).toEqual([{ chunkId, score: 0.5 }]);
    expect(calls[0]!.method).toBe("POST");
    expect(calls[0]!.url).toMatch(/^\/collections\/parley_[a-z0-9_]+\/points\/query$/);
    expect(calls[0]!.body).toEqual({
      query: [0, 1, 0],
      filter: { must: [{ key: "collectionId", match: { any: ["a", "b"] } }] },
      limit: 7,
      with_payload: ["chunkId"],
      with_vector: false,
    });
    reply = () => ({ status: 404, body: { status: { error: "Not found: Collection doesn't exist" } } });
    expect(await store.search(space, [0, 1, 0], { collectionIds: ["a"], limit: 7 })).toEqual([]);
    expect(await store.search(space, [0, 1, 0], { collectionIds: [], limit: 7 })).toEqual([]);
    expect(calls).toHaveLength(2); // no request for an empty collection list
  });

  it("stops a search when its signal aborts", async () => {
    reply = () => ({ delayMs: 2_000 });
    const controller = new AbortController();
    const started = Date.now();
    setTimeout(() => controller.abort(new Error("user left")), 50);
    const search = createQdrantStore({ url }).search(space, [0, 1, 0], {
      collectionIds: ["a"],
      limit: 3,
      signal: controller.signal,
    });
    await expect(search).rejects.toThrow("user left");
    expect(Date.now() - started).toBeLessThan(1_000);
  });

  it("deletes a document by filter in every parley_ collection only", async () => {
    const collections = [{ name: "parley_a_1_3" }, { name: "other" }, { name: "parley_b_2_8" }];
    reply = (c) => (c.method === "GET" ? { body: { status: "ok", result: { collections } } } : {});
    await createQdrantStore({ url }).deleteDocument("doc-1");
    const deletes = calls.filter((c) => c.method === "POST");
    expect(deletes.map((c) => c.url).sort()).toEqual([
      "/collections/parley_a_1_3/points/delete?wait=true",
      "/collections/parley_b_2_8/points/delete?wait=true",
    ]);
    const filter = { must: [{ key: "documentId", match: { value: "doc-1" } }] };
    for (const c of deletes) expect(c.body).toEqual({ filter });
  });

  it("reports status from the server, and an unreachable server as unavailable", async () => {
    reply = (c) => ({
      body: c.url === "/" ? { title: "qdrant", version: "1.17.0" } : { status: "ok", result: { collections: [] } },
    });
    expect(await createQdrantStore({ url }).status()).toEqual({ available: true, detail: `Qdrant 1.17.0 at ${url}` });
    const down = await createQdrantStore({ url: "http://127.0.0.1:1" }).status();
    expect(down.available).toBe(false);
    expect(down.detail).toMatch(/^Qdrant at http:\/\/127\.0\.0\.1:1 is not usable: /);
    reply = () => ({ status: 403, body: { status: { error: "Invalid api-key" } } });
    const refused = await createQdrantStore({ url, apiKey: "wrong" }).status();
    expect(refused).toEqual({ available: false, detail: expect.stringContaining("HTTP 403: Invalid api-key") });
  });

  it("rejects a query vector of the wrong dimension before any request", async () => {
    const search = createQdrantStore({ url }).search(space, [1, 0], { collectionIds: ["a"], limit: 3 });
    await expect(search).rejects.toThrow(/dimensions/);
    expect(calls).toHaveLength(0);
  });
});
