/**
 * npm run bench:retrieval [-- options]
 *
 * (a) Search latency of the knowledge base in the embedded store (PGlite with
 *     pgvector HNSW and the lexical GIN index) at 10k and 100k chunks,
 *     excluding query embedding: `retrieve()` itself runs, with a stub
 *     embedder that hands back precomputed query vectors, so a row covers
 *     collection lookup + lexical search + vector search + fusion + passage
 *     load. Rows for each piece alone (the app's own query functions) and a
 *     `SELECT 1` round trip through the same database thread are measured in
 *     the same run, so numbers compare across machines. Each row also gives
 *     the process's CPU time per call (PGlite's thread included): on a busy
 *     machine that is closer to what a call costs alone than wall time is.
 *
 *     Data: chunks made from the evaluation corpus (bench/retrieval-data.ts),
 *     50 per document, documents spread over 10 collections of which the
 *     querying user may read 4 (own, two shared with everyone, one granted);
 *     384-d vectors (bge-small's size). Loading is bulk: chunks and vectors
 *     first, then the GIN and HNSW indexes. The loaded database is cached in
 *     .tmp/bench-retrieval/<size> (keyed by VERSION, the migrations and the
 *     pgvector store's source), so a second run skips the load; --rebuild
 *     forces it.
 *
 *     Each size is measured twice: without planner statistics (PGlite runs no
 *     autovacuum; the app runs ANALYZE only after 10 % of chunks changed, see
 *     lib/rag/ingest/statistics.ts, so a database can be in either state),
 *     then after ANALYZE. The row "own collection only" searches
 *     vectors with a single collection id, the filter of a user without
 *     shared collections: without statistics the planner takes it for very
 *     selective and scans that collection's vectors exactly instead of using
 *     HNSW. --explain prints EXPLAIN ANALYZE of both searches. Under each
 *     block, the questions slowest in retrieve() hybrid (median CPU time) with
 *     what the lexical and the vector search alone took for them.
 *
 * (b) Upload to searchable: a 50-page text PDF (makeLongPdf(50)) through
 *     uploadDocuments and the ingestion worker (pg-boss) on a fresh embedded
 *     database (see bench/scratch-db.ts for why it is opened twice);
 *     milliseconds until lexical search finds a sentence of page 50, and until
 *     the document is indexed. Repeated; then again with the fake embedding
 *     server (a test device: it shows the cost of the embedding step's
 *     plumbing, not of a model), and with the configured embedder when
 *     EMBEDDINGS_BASE_URL or EMBEDDINGS_MODEL_PATH is set.
 *
 * Options: --sizes 10000,100000  --rounds 3 (timed passes over the 64 queries)
 *          --reps 5 (uploads per embedder)  --rebuild  --explain
 *          --skip-search  --skip-ingest
 */
import { createHash } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import type { Embedder } from "../lib/ai/embeddings";
import { createUser, type AuthUser } from "../lib/auth/users";
import { openDatabase, useDatabase, type Database } from "../lib/db/client";
import { MIGRATIONS_DIR } from "../lib/db/migrate";
import { chunksToRank, LEXICAL_SEARCH_SQL, lexicalSearch, insertChunks, passagesForUser } from "../lib/db/queries/chunks";
import { personalCollectionId, searchableCollectionIds } from "../lib/db/queries/collections";
import { fuse } from "../lib/rag/fuse";
import { retrieve } from "../lib/rag/retrieve";
import { createPgvectorStore } from "../lib/rag/vector-store/pgvector";
import { spaceName } from "../lib/rag/vector-store/space";
import type { VectorSpace, VectorStore } from "../lib/rag/vector-store/types";
import { QUESTIONS_FILE } from "../eval/check-questions";
import { random } from "../tests/helpers/deterministic";
import { DIMENSIONS, loadCorpus, makeChunk, Projector } from "./retrieval-data";
import { openScratchDatabase, settledStatus } from "./scratch-db";
import { fmt, percentile } from "./stats";

/** Bump when the generated data or its layout changes: cached databases are rebuilt. */
const VERSION = "retrieval-bench-4";
const CACHE_DIR = path.join(process.cwd(), ".tmp/bench-retrieval");
const CHUNKS_PER_DOCUMENT = 50;
const MODEL = "bench-projection-384d";
const SPACE: VectorSpace = { model: MODEL, dimensions: DIMENSIONS };
const GOAL_SIZE = 100_000;
const GOAL_P95_MS = 20;
const GOAL_SEARCHABLE_MS = 5_000;

// ---------------------------------------------------------------- options

function option(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}
const flag = (name: string) => process.argv.includes(name);
const SIZES = (option("--sizes") ?? "10000,100000").split(",").map((s) => Number(s.replace(/k$/i, "000")));
const ROUNDS = Number(option("--rounds") ?? 3);
const REPS = Number(option("--reps") ?? 5);
const REBUILD = flag("--rebuild");
const EXPLAIN = flag("--explain");

const now = () => performance.now();
const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const log = (message: string) => process.stderr.write(`[bench] ${message}\n`);

// The environment as given, before this script points the app at stubs.
const ORIGINAL_ENV = { ...process.env };
const PROVIDER_ENV = [
  "EMBEDDINGS_BASE_URL",
  "EMBEDDINGS_API_KEY",
  "EMBEDDINGS_MODEL",
  "EMBEDDINGS_MULTILINGUAL_MODEL",
  "EMBEDDINGS_MODEL_PATH",
  "EMBEDDINGS_DOWNLOAD",
  "RERANK_BASE_URL",
  "RERANK_API_KEY",
  "RERANK_MODEL",
  "RERANK_MODEL_PATH",
  "QDRANT_URL",
];
function providerEnv(values: Record<string, string>) {
  for (const name of PROVIDER_ENV) delete process.env[name];
  Object.assign(process.env, values);
}

// ---------------------------------------------------------------- (a) the store

interface Meta {
  version: string;
  size: number;
  readerId: string;
  collections: number;
  readable: number;
  table: string;
  load: Record<string, number>;
}

/** Version key of a cached database: the bench's VERSION and the schema it was migrated to. */
function cacheKey(): string {
  const hash = createHash("sha256");
  for (const dir of fs.readdirSync(MIGRATIONS_DIR).sort()) {
    const file = path.join(MIGRATIONS_DIR, dir, "migration.sql");
    if (fs.existsSync(file)) hash.update(dir).update(fs.readFileSync(file));
  }
  hash.update(fs.readFileSync(path.join(process.cwd(), "lib/rag/vector-store/pgvector.ts")));
  return `${VERSION} ${hash.digest("hex").slice(0, 12)}`;
}

async function openPglite(dir: string): Promise<Database> {
  const db = await openDatabase({ url: "", dataDir: dir });
  useDatabase(db);
  return db;
}

/** The cached database of `size` chunks, loaded first when missing, stale or --rebuild. */
async function benchDatabase(size: number): Promise<{ db: Database; meta: Meta; cached: boolean }> {
  const dir = path.join(CACHE_DIR, String(size));
  const metaFile = path.join(dir, "bench-meta.json");
  const key = cacheKey();
  if (!REBUILD && fs.existsSync(metaFile)) {
    const meta = JSON.parse(fs.readFileSync(metaFile, "utf8")) as Meta;
    if (meta.version === key && meta.size === size) return { db: await openPglite(dir), meta, cached: true };
    log(`${dir} was built by ${meta.version}, this is ${key}: rebuilding`);
  }
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  const meta = await load(dir, size, key);
  fs.writeFileSync(metaFile, JSON.stringify(meta, null, 2));
  return { db: await openPglite(dir), meta, cached: false };
}

async function load(dir: string, size: number, key: string): Promise<Meta> {
  const times: Record<string, number> = {};
  const t0 = now();
  // A database opened in the process that created it cannot bind enum arrays
  // (PGlite reads array types before the migrations ran): open it twice.
  await (await openDatabase({ url: "", dataDir: dir })).close();
  const db = await openPglite(dir);
  times.open = now() - t0;
  try {
    const sql = db.sql;
    // The first account becomes admin (and could read every shared collection): not the reader.
    await createUser({ email: "admin@bench.example", password: "bench-password" });
    const reader = await createUser({ email: "reader@bench.example", password: "bench-password" });
    const others: AuthUser[] = [];
    for (let i = 1; i <= 3; i++) others.push(await createUser({ email: `other${i}@bench.example`, password: "bench-password" }));

    // 10 collections; the reader may read 4: own, two shared with everyone, one granted.
    const collections: Array<{ id: string; readable: boolean }> = [{ id: await personalCollectionId(reader.id), readable: true }];
    const addCollection = async (name: string, owner: string | null, shared: boolean, everyone: boolean, readable: boolean) => {
      const [row] = await sql.query<{ id: string }>(
        `INSERT INTO "Collection" (id, name, "ownerId", shared, everyone) VALUES (gen_random_uuid()::text, $1, $2, $3, $4) RETURNING id`,
        [name, owner, shared, everyone],
      );
      collections.push({ id: row!.id, readable });
      return row!.id;
    };
    await addCollection("Company handbook", null, true, true, true);
    await addCollection("Public reports", null, true, true, true);
    const granted = await addCollection("Project files", null, true, false, true);
    await sql.query(`INSERT INTO "CollectionGrant" ("collectionId", "userId") VALUES ($1, $2)`, [granted, reader.id]);
    await addCollection("Board papers", null, true, false, false);
    for (let i = 0; i < 5; i++) await addCollection("My documents", others[i % others.length]!.id, false, false, false);

    // Bulk load: without the indexes, which are built once at the end.
    const store = createPgvectorStore(db);
    const table = spaceName("ChunkVector", SPACE);
    const corpus = loadCorpus();
    const projector = new Projector(corpus);
    const documents = Math.ceil(size / CHUNKS_PER_DOCUMENT);
    const pick = random(size);
    const owners = [reader.id, ...others.map((o) => o.id)];
    let vectorMs = 0;
    let chunkMs = 0;
    let generateMs = 0;
    let made = 0;
    let points: Array<{ chunkId: string; documentId: string; collectionId: string; vector: number[] }> = [];
    const flushVectors = async () => {
      const t = now();
      await store.upsert(SPACE, points);
      points = [];
      vectorMs += now() - t;
    };
    for (let d = 0; d < documents; d++) {
      const country = corpus[Math.floor(pick() * corpus.length)]!;
      const collection = collections[d % collections.length]!;
      const count = Math.min(CHUNKS_PER_DOCUMENT, size - made);
      let t = now();
      const chunks = Array.from({ length: count }, (_, i) => makeChunk(corpus, country, made + i));
      let start = 0;
      const positioned = chunks.map((c) => {
        const chunk = { ...c, start, end: start + c.text.length };
        start = chunk.end + 2;
        return chunk;
      });
      const name = `${country.slug}-notes-${d + 1}.md`;
      const vectors = chunks.map((c) => projector.embed(`${[name, ...c.headingPath].join(" › ")}\n\n${c.text}`));
      generateMs += now() - t;
      t = now();
      const [doc] = await sql.query<{ id: string }>(
        `INSERT INTO "Document" (id, "collectionId", "uploadedById", name, kind, "sizeBytes", sha256, status, progress,
                                 "chunkCount", language, "embeddingModel", "indexedAt")
         VALUES (gen_random_uuid()::text, $1, $2, $3, 'markdown', $4, md5($3), 'indexed', 1, $5, 'en', $6, now()) RETURNING id`,
        [collection.id, owners[d % owners.length], name, start, count, MODEL],
      );
      const ids = await insertChunks(doc!.id, collection.id, name, positioned);
      chunkMs += now() - t;
      ids.forEach((chunkId, i) => points.push({ chunkId, documentId: doc!.id, collectionId: collection.id, vector: vectors[i]! }));
      if (d === 0) {
        // The store creates its table (with its indexes) on the first write; the HNSW index goes until the end.
        await flushVectors();
        await sql.exec(`DROP INDEX "${table}_hnsw"; DROP INDEX "Chunk_tsv_idx"`);
      }
      if (points.length >= 2_000) await flushVectors();
      made += count;
      if (d % 200 === 199) log(`${size}: ${made} chunks loaded (${seconds(now() - t0)})`);
    }
    await flushVectors();
    times.generate = generateMs;
    times.chunks = chunkMs;
    times.vectors = vectorMs;

    let t = now();
    await sql.exec(`CREATE INDEX "Chunk_tsv_idx" ON "Chunk" USING GIN ("tsv")`);
    times.ginIndex = now() - t;
    log(`${size}: GIN index built in ${seconds(times.ginIndex)}; building HNSW…`);
    t = now();
    // pgvector builds fast only while the graph fits in maintenance_work_mem (~1 KB per 384-d row here).
    await sql.transaction(async (tx) => {
      await tx.exec(`SET LOCAL maintenance_work_mem = '512MB'`);
      await tx.exec(`CREATE INDEX "${table}_hnsw" ON "${table}" USING hnsw ("embedding" vector_cosine_ops)`);
    });
    times.hnswIndex = now() - t;
    log(`${size}: HNSW index built in ${seconds(times.hnswIndex)}`);
    t = now();
    // Lets PostgreSQL drop the WAL of the load (else the cached folder keeps ~1 GB of it).
    await sql.exec("CHECKPOINT");
    await db.close();
    times.close = now() - t;
    times.total = now() - t0;
    return {
      version: key,
      size,
      readerId: reader.id,
      collections: collections.length,
      readable: collections.filter((c) => c.readable).length,
      table,
      load: times,
    };
  } catch (error) {
    await db.close().catch(() => {});
    throw error;
  }
}

/**
 * Makes the app's `embedder()` return a stub that answers with precomputed
 * query vectors: the process-wide embedder is cached under a key of the
 * embedding settings, so the settings are pointed at a (never contacted)
 * server, the cache filled, and its embedder swapped for the stub.
 */
async function installStubEmbedder(vectors: Map<string, number[]>) {
  providerEnv({ EMBEDDINGS_BASE_URL: "http://127.0.0.1:9/v1", EMBEDDINGS_MODEL: MODEL });
  const { embedder } = await import("../lib/ai/embeddings");
  embedder();
  const slot = (globalThis as { parleyEmbedder?: { key: string; embedder: Embedder | null } }).parleyEmbedder;
  const stub: Embedder = {
    provider: "remote",
    status: async () => ({ state: "ready", provider: "remote", detail: "bench stub: precomputed query vectors" }),
    modelFor: () => MODEL,
    embed: async (texts) =>
      texts.map((text) => {
        const vector = vectors.get(text);
        if (!vector) throw new Error(`no precomputed vector for ${JSON.stringify(text)}`);
        return vector;
      }),
  };
  if (!slot) throw new Error("lib/ai/embeddings no longer caches its embedder in globalThis.parleyEmbedder: update installStubEmbedder");
  slot.embedder = stub;
  if (embedder() !== stub) throw new Error("could not install the stub embedder");
}

interface SearchRow {
  name: string;
  samples: number[];
  /** CPU time of this process (the database thread included) per call: what a call costs when nothing else runs. */
  cpu: number[];
  /** Index in `questions` of each sample's question. */
  question: number[];
}

interface SearchBlock {
  label: string;
  rows: SearchRow[];
  questions: string[];
}

const GOAL_ROW = "retrieve() hybrid";

async function measureSearch(size: number): Promise<{
  blocks: SearchBlock[];
  meta: Meta;
  cached: boolean;
  openMs: number;
  analyzeMs: number;
  store: string;
  ownShare: number;
}> {
  const t0 = now();
  const { db, meta, cached } = await benchDatabase(size);
  const openMs = cached ? now() - t0 : 0;
  try {
    const questions = (JSON.parse(fs.readFileSync(QUESTIONS_FILE, "utf8")) as Array<{ question: string }>).map((q) => q.question);
    const projector = new Projector(loadCorpus());
    const vectors = new Map(questions.map((q) => [q, projector.embed(q)]));
    await installStubEmbedder(vectors);
    const store: VectorStore = createPgvectorStore(db);
    const storeDetail = (await store.status()).detail;
    const readerId = meta.readerId;
    const collections = await searchableCollectionIds(readerId);
    if (collections.length !== meta.readable) throw new Error(`reader sees ${collections.length} collections, expected ${meta.readable}`);
    // A user who reads only their own collection (no shared ones): one collection id in the filter.
    const own = [await personalCollectionId(readerId)];
    const [share] = await db.sql.query<{ share: number }>(
      `SELECT (count(*) FILTER (WHERE "collectionId" = $1))::float / count(*) AS share FROM "Chunk"`,
      [own[0]],
    );

    const fusedIds = new Map<string, string[]>();
    const steps: Array<{ name: string; run: (q: string) => Promise<unknown> }> = [
      { name: "baseline: SELECT 1 round trip", run: () => db.sql.query("SELECT 1") },
      { name: "lexical search alone (lexicalSearch, 20)", run: (q) => lexicalSearch(collections, q, 20) },
      {
        name: "vector search alone (store.search, 20)",
        run: (q) => store.search(SPACE, vectors.get(q)!, { collectionIds: collections, limit: 20 }),
      },
      {
        name: "vector search, own collection only",
        run: (q) => store.search(SPACE, vectors.get(q)!, { collectionIds: own, limit: 20 }),
      },
      { name: "passage load alone (passagesForUser, 20 ids)", run: (q) => passagesForUser(readerId, fusedIds.get(q)!) },
      { name: "retrieve() lexical", run: (q) => retrieve({ userId: readerId, query: q, mode: "lexical", floor: false }) },
      { name: GOAL_ROW, run: (q) => retrieve({ userId: readerId, query: q, mode: "hybrid", floor: false }) },
    ];
    const block = async (label: string): Promise<SearchBlock> => {
      // Warm-up pass (JIT, database pages): also records each query's fused candidates.
      for (const q of questions) {
        const [lexical, dense] = await Promise.all([
          lexicalSearch(collections, q, 20),
          store.search(SPACE, vectors.get(q)!, { collectionIds: collections, limit: 20 }),
        ]);
        fusedIds.set(q, fuse(lexical, dense).slice(0, 20).map((c) => c.chunkId));
        const result = await retrieve({ userId: readerId, query: q, mode: "hybrid", floor: false });
        if (result.mode !== "hybrid" || result.degraded.length > 0) {
          throw new Error(`retrieve() did not run hybrid: ${result.mode} ${result.degraded.join(" ")}`);
        }
        for (const step of steps) await step.run(q);
      }
      const rows: SearchRow[] = steps.map((s) => ({ name: s.name, samples: [], cpu: [], question: [] }));
      // Each step runs over all the questions in turn, as a stream of different
      // questions finds the database: running every step for one question before
      // the next had the later steps find that question's pages in shared buffers
      // (too small for the 100k working set), which flattered retrieve() rows.
      for (let round = 0; round < ROUNDS; round++) {
        for (const [i, step] of steps.entries()) {
          for (const [n, q] of questions.entries()) {
            const t = now();
            const cpu = process.cpuUsage();
            await step.run(q);
            rows[i]!.samples.push(now() - t);
            const used = process.cpuUsage(cpu);
            rows[i]!.cpu.push((used.user + used.system) / 1000);
            rows[i]!.question.push(n);
          }
        }
      }
      if (EXPLAIN) await explain(db, meta, label, collections, own, questions.slice(0, 2), vectors);
      return { label, rows, questions };
    };

    // PGlite runs no autovacuum and the app analyzes only after enough chunks changed: measure
    // without planner statistics first (whatever an earlier run left), then after ANALYZE.
    const tables = `'"Chunk"'::regclass, '"${meta.table}"'::regclass`;
    await db.sql.exec(`DELETE FROM pg_statistic WHERE starelid IN (${tables})`);
    const blocks = [await block("no planner statistics (PGlite has no autovacuum; the app analyzes after 10 % of chunks change)")];
    const t = now();
    await db.sql.exec(`ANALYZE "Chunk"; ANALYZE "${meta.table}"`);
    const analyzeMs = now() - t;
    blocks.push(await block(`after ANALYZE "Chunk" and the vector table (took ${seconds(analyzeMs)})`));
    await db.sql.exec(`DELETE FROM pg_statistic WHERE starelid IN (${tables})`);
    return { blocks, meta, cached, openMs, analyzeMs, store: storeDetail, ownShare: share?.share ?? 0 };
  } finally {
    useDatabase(undefined);
    await db.close();
  }
}

/** EXPLAIN ANALYZE of the two searches (their SQL as in lib/db/queries/chunks.ts and lib/rag/vector-store/pgvector.ts). */
async function explain(
  db: Database,
  meta: Meta,
  label: string,
  collections: string[],
  own: string[],
  questions: string[],
  vectors: Map<string, number[]>,
) {
  const lexical = LEXICAL_SEARCH_SQL;
  const dense = `WITH hits AS MATERIALIZED (
          SELECT "chunkId", 1 - ("embedding" <=> $1::vector) AS score FROM "${meta.table}"
          WHERE "collectionId" = ANY($2::text[]) ORDER BY "embedding" <=> $1::vector LIMIT $3)
        SELECT "chunkId", score FROM hits ORDER BY score DESC, "chunkId"`;
  const show = async (title: string, text: string, params: unknown[], setup = "") => {
    const rows = await db.sql.transaction(async (tx) => {
      if (setup) await tx.exec(setup);
      return tx.query<{ "QUERY PLAN": string }>(`EXPLAIN (ANALYZE, BUFFERS) ${text}`, params);
    });
    const plan = rows.map((r) => r["QUERY PLAN"].replace(/'\[[-0-9.,e]+\]'/g, "'[…query vector…]'"));
    console.log(`-- ${title}\n${plan.join("\n")}`);
  };
  const setup = "SET LOCAL hnsw.ef_search = 40; SET LOCAL hnsw.iterative_scan = relaxed_order;";
  for (const q of questions) {
    console.log(`\nEXPLAIN ANALYZE, ${meta.size} chunks, ${label}, query ${JSON.stringify(q)}`);
    const chosen = await chunksToRank(q);
    await show(
      `lexical (chunks holding at least ${chosen?.required ?? 0} of the rarest terms, 0: any term; ` +
        `${chosen?.widerClauses ? `one fewer when that ranks fewer than 20` : "no wider search"})`,
      lexical,
      [q, collections, 20, chosen?.clauses ?? null, chosen?.widerClauses ?? null],
    );
    const vector = `[${vectors.get(q)!.join(",")}]`;
    await show("vector (as the store runs it: ef_search 40, iterative scan)", dense, [vector, collections, 20], setup);
    await show("vector, own collection only", dense, [vector, own, 20], setup);
  }
}

// ---------------------------------------------------------------- (b) upload to searchable

interface IngestSample {
  chunks: number;
  uploadMs: number;
  searchableMs: number;
  indexedMs: number;
}

async function measureIngest(): Promise<Array<{ label: string; samples: IngestSample[]; note?: string }>> {
  const { makeLongPdf, longPdfPageText } = await import("../tests/helpers/documents");
  const { startFakeLlm } = await import("../tests/fake-llm/server");
  const { uploadDocuments } = await import("../lib/rag/documents");
  const { startIngestWorker, stopIngestWorker } = await import("../lib/rag/ingest/queue");
  const { stopJobs } = await import("../lib/jobs/boss");
  const { documentView } = await import("../lib/db/queries/documents");
  const { embedder } = await import("../lib/ai/embeddings");

  const pdf = makeLongPdf(50);
  // "Page 50 covers …": a sentence no other page has.
  const phrase = longPdfPageText(50).split(". ")[0]!;
  providerEnv({ EMBEDDINGS_DOWNLOAD: "0" });
  const scratch = await openScratchDatabase({ prefix: "parley-bench-ingest" });
  const results: Array<{ label: string; samples: IngestSample[]; note?: string }> = [];
  let userCount = 0;
  try {
    await createUser({ email: "admin@bench.example", password: "bench-password" });
    await startIngestWorker();
    const sql = scratch.db.sql;

    const run = async (label: string): Promise<IngestSample[]> => {
      const samples: IngestSample[] = [];
      for (let rep = 0; rep < REPS; rep++) {
        const user = await createUser({ email: `uploader${++userCount}@bench.example`, password: "bench-password" });
        const t0 = now();
        const outcome = await uploadDocuments(user, [{ name: "handbook-50-pages.pdf", bytes: pdf }]);
        const uploadMs = now() - t0;
        const id = outcome.accepted[0]?.id;
        if (!id) throw new Error(`upload rejected: ${JSON.stringify(outcome.rejected)}`);
        let searchableMs: number | undefined;
        let indexedMs: number | undefined;
        let chunks = 0;
        while (searchableMs === undefined || indexedMs === undefined) {
          if (now() - t0 > 120_000) throw new Error(`${label}: not searchable and indexed after 120 s`);
          if (searchableMs === undefined) {
            // What retrieve() does: the user's searchable collections, then lexical search.
            const hits = await lexicalSearch(await searchableCollectionIds(user.id), phrase, 10);
            if (hits.length > 0) {
              const found = await sql.query(
                `SELECT 1 FROM "Chunk" WHERE id = ANY($1) AND "documentId" = $2 AND strpos(text, $3) > 0`,
                [hits.map((h) => h.chunkId), id, phrase],
              );
              if (found.length > 0) searchableMs = now() - t0;
            }
          }
          if (indexedMs === undefined) {
            const doc = await documentView(id);
            if (doc?.status === "failed") throw new Error(`${label}: ingestion failed: ${doc.error}`);
            if (doc?.status === "indexed") {
              indexedMs = now() - t0;
              chunks = doc.chunkCount;
            }
          }
          await new Promise((r) => setTimeout(r, 10));
        }
        samples.push({ chunks, uploadMs, searchableMs, indexedMs });
        log(`${label} #${rep + 1}: searchable ${fmt(searchableMs)}, indexed ${fmt(indexedMs)}`);
      }
      return samples;
    };

    results.push({ label: "no embedder (lexical only)", samples: await run("lexical") });

    const fake = await startFakeLlm();
    try {
      providerEnv({ EMBEDDINGS_BASE_URL: fake.url, EMBEDDINGS_MODEL: "fake-hashing-embedder" });
      results.push({
        label: "FAKE hashing embedder (test device, not a model; 256-d, local HTTP)",
        samples: await run("fake embedder"),
        note: "first run includes creating the vector table and its HNSW index",
      });
    } finally {
      await fake.close();
    }

    const configured = ORIGINAL_ENV.EMBEDDINGS_BASE_URL?.trim() || ORIGINAL_ENV.EMBEDDINGS_MODEL_PATH?.trim();
    if (configured) {
      providerEnv(Object.fromEntries(PROVIDER_ENV.flatMap((n) => (ORIGINAL_ENV[n] !== undefined ? [[n, ORIGINAL_ENV[n]!]] : []))));
      const provider = embedder();
      const status = provider ? await settledStatus(() => provider.status()) : undefined;
      if (status?.state === "ready") {
        results.push({ label: `configured embedder: ${status.detail}`, samples: await run("configured embedder") });
      } else {
        results.push({ label: `configured embedder skipped: ${status?.detail ?? "none"}`, samples: [] });
      }
    }
  } finally {
    await stopIngestWorker();
    await stopJobs();
    await scratch.close();
  }
  return results;
}

// ---------------------------------------------------------------- report

const SLOWEST = 5;

/**
 * The questions whose median CPU time in the goal row is highest, with the
 * medians of the lexical and vector searches alone for the same question:
 * which piece makes the slow ones (the p95) slow.
 */
function slowestQuestions(rows: SearchRow[], questions: string[]): string {
  const row = (name: string) => rows.find((r) => r.name.startsWith(name))!;
  const medians = (r: SearchRow) =>
    questions.map((_, n) => percentile(r.cpu.filter((_, i) => r.question[i] === n), 50));
  const goal = medians(row(GOAL_ROW));
  const lexical = medians(row("lexical search alone"));
  const vector = medians(row("vector search alone"));
  const slowest = questions.map((question, n) => ({ question, n })).sort((a, b) => goal[b.n]! - goal[a.n]!).slice(0, SLOWEST);
  return (
    `  slowest questions, median CPU time of ${GOAL_ROW} (of lexical search alone, of vector search alone):\n` +
    slowest
      .map(({ question, n }) => `    ${fmt(goal[n]!)} (${fmt(lexical[n]!)}, ${fmt(vector[n]!)})  ${JSON.stringify(question)}`)
      .join("\n")
  );
}

async function main() {
  const loadavg = fs.existsSync("/proc/loadavg") ? fs.readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ") : "n/a";
  console.log(`Parley retrieval benchmark (${VERSION}); load average at start: ${loadavg}`);
  const goals: string[] = [];

  if (!flag("--skip-search")) {
    console.log(
      `\n(a) Search latency in the embedded store (PGlite + pgvector HNSW + GIN), query embedding excluded.\n` +
        `retrieve() runs as the app runs it, with a stub embedder returning precomputed 384-d query vectors:\n` +
        `readable collections + lexical search + HNSW search + RRF fusion + passage load (no reranker, floor off).\n` +
        `64 eval questions x ${ROUNDS} rounds after a warm-up round, each row over all the questions in turn\n` +
        `(a stream of different questions, as the app sees them); the reader may read 4 of 10 collections\n` +
        `("own collection only": the filter of a user without shared collections, one collection id).\n` +
        `Each size is measured twice: without planner statistics, as the app's PGlite database is today, and after ANALYZE.\n` +
        `Vectors are random projections of bags of words (bench/retrieval-data.ts), not a model's.`,
    );
    for (const size of SIZES) {
      const { blocks, meta, cached, openMs, store, ownShare } = await measureSearch(size);
      const load = meta.load;
      console.log(
        `\n${size.toLocaleString("en")} chunks: ` +
          (cached
            ? `cached database opened in ${seconds(openMs)} (built earlier in ${seconds(load.total ?? 0)})`
            : `loaded in ${seconds(load.total ?? 0)}`) +
          ` [open ${seconds(load.open ?? 0)}, generate ${seconds(load.generate ?? 0)}, chunks+tsv ${seconds(load.chunks ?? 0)}, ` +
          `vectors ${seconds(load.vectors ?? 0)}, GIN index ${seconds(load.ginIndex ?? 0)}, HNSW index ${seconds(load.hnswIndex ?? 0)}]; ${store}; ` +
          `"own collection only" holds ${(ownShare * 100).toFixed(0)}% of the chunks`,
      );
      for (const { label, rows, questions } of blocks) {
        const width = Math.max(...rows.map((r) => r.name.length));
        console.log(`${label}\n${"".padEnd(width)} |   p50     |   p95     |   max     | CPU p50   | CPU p95`);
        for (const row of rows) {
          const cells = [
            percentile(row.samples, 50),
            percentile(row.samples, 95),
            Math.max(...row.samples),
            percentile(row.cpu, 50),
            percentile(row.cpu, 95),
          ].map((v) => fmt(v).padStart(9));
          console.log(`${row.name.padEnd(width)} | ${cells.join(" | ")}`);
        }
        console.log(slowestQuestions(rows, questions));
        if (size === GOAL_SIZE) {
          const goalRow = rows.find((r) => r.name === GOAL_ROW)!;
          const p95 = percentile(goalRow.samples, 95);
          goals.push(
            `retrieval p95 <= ${GOAL_P95_MS} ms at 100k chunks (hybrid, embedding excluded), ${label.replace(/ \(.*\)$/, "")}: ${fmt(p95)} ` +
              `(CPU time p95 ${fmt(percentile(goalRow.cpu, 95))}): ` +
              (p95 <= GOAL_P95_MS ? "met" : `MISSED${EXPLAIN ? "" : " (--explain prints the query plans)"}`),
          );
        }
      }
    }
  }

  if (!flag("--skip-ingest")) {
    console.log(
      `\n(b) Upload to searchable: a 50-page text PDF (makeLongPdf(50), ${Math.round(((await import("../tests/helpers/documents")).makeLongPdf(50).length) / 1024)} KB) ` +
        `through uploadDocuments and the ingestion worker\n` +
        `(pg-boss on a fresh embedded database), ${REPS} uploads per row, each by a new user; times from the upload call,\n` +
        `polled every ~10 ms: "searchable" = lexical search over the user's searchable collections finds page 50's first sentence.`,
    );
    const results = await measureIngest();
    const width = Math.max(...results.map((r) => r.label.length));
    console.log(`${"embedder".padEnd(width)} | upload call p50 | searchable p50 / max | indexed p50 / max`);
    for (const { label, samples, note } of results) {
      if (samples.length === 0) {
        console.log(label);
        continue;
      }
      const col = (values: number[]) => `${fmt(percentile(values, 50))} / ${fmt(Math.max(...values))}`;
      console.log(
        `${label.padEnd(width)} | ${fmt(percentile(samples.map((s) => s.uploadMs), 50)).padStart(15)} | ` +
          `${col(samples.map((s) => s.searchableMs)).padStart(20)} | ${col(samples.map((s) => s.indexedMs)).padStart(17)}` +
          `   indexed, each run: ${samples.map((s) => Math.round(s.indexedMs)).join(", ")} ms; ${samples[0]!.chunks} chunks` +
          (note ? ` (${note})` : ""),
      );
    }
    const lexical = results[0]!.samples.map((s) => s.searchableMs);
    const worst = Math.max(...lexical);
    goals.push(
      `50-page PDF searchable (lexical) <= ${GOAL_SEARCHABLE_MS / 1000} s: p50 ${fmt(percentile(lexical, 50))}, max ${fmt(worst)}: ` +
        `${worst <= GOAL_SEARCHABLE_MS ? "met" : percentile(lexical, 50) <= GOAL_SEARCHABLE_MS ? "met at p50, MISSED at max" : "MISSED"}`,
    );
  }

  if (goals.length > 0) console.log(`\n${goals.join("\n")}`);
  const end = fs.existsSync("/proc/loadavg") ? fs.readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ") : "n/a";
  console.log(`load average at end: ${end} (on ${(await import("node:os")).cpus().length} cores; other work on the machine makes numbers noisy)`);
}

main().then(
  () => process.exit(0),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
