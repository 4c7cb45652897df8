/**
 * npm run eval:retrieval [-- --verbose] [-- --fake-models]
 *
 * Retrieval quality on the evaluation set (eval/README.md): ingests the 24
 * corpus documents into a fresh temporary database through the app's own
 * pipeline (insertDocument + ingestDocument: extract, chunk, lexical index,
 * embeddings when an embedder is ready), asks the 64 questions with
 * `retrieve({ floor: false, topK: 5 })` in every retrieval mode the configured
 * providers allow, and prints recall@5, MRR@5 and hit@1, overall and per
 * question kind.
 *
 * Modes: lexical always; dense and hybrid only with an embedding provider that
 * is ready (EMBEDDINGS_BASE_URL, or EMBEDDINGS_MODEL_PATH: a GGUF model is
 * loaded, never downloaded here); hybrid+rerank only with a reranker as well
 * (RERANK_BASE_URL or RERANK_MODEL_PATH). Other modes print "skipped: <why>".
 *
 * --fake-models starts the project's fake model server (tests/fake-llm) and
 * points EMBEDDINGS_BASE_URL and RERANK_BASE_URL at it. Its embeddings are
 * hashed bags of words and its rerank scores word overlap: TEST DEVICES that
 * exercise the dense and rerank code paths, not models. Their rows say so.
 *
 * --verbose lists, per mode, the questions it missed (no hit in the top 5).
 *
 * Database: PGlite in a temporary folder, or with EVAL_DATABASE_URL (a
 * PostgreSQL server URL) a new database on that server, dropped afterwards.
 * Exits non-zero when ingestion fails or a mode that should have run could not.
 */
import { createHash } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { openScratchDatabase, settledStatus, type ScratchDatabase } from "../bench/scratch-db";
import { CORPUS_DIR, locateAnswer, QUESTIONS_FILE, type Question } from "./check-questions";

type Kind = "keyword" | "paraphrase" | "disambiguation";
type Mode = "lexical" | "dense" | "hybrid" | "hybrid+rerank";
const MODES: Mode[] = ["lexical", "dense", "hybrid", "hybrid+rerank"];
const KINDS: Kind[] = ["keyword", "paraphrase", "disambiguation"];
const TOP_K = 5;

interface EvalQuestion extends Question {
  kind: Kind;
  range: { start: number; end: number };
}

interface Outcome {
  question: EvalQuestion;
  /** 1-based rank of the first hit in the top 5, or 0 for a miss. */
  rank: number;
  ms: number;
}

type Row = { mode: Mode; label: string } & (
  | { state: "ran"; outcomes: Outcome[] }
  | { state: "skipped" | "failed"; reason: string }
);

const args = new Set(process.argv.slice(2));
for (const arg of args) {
  if (!["--verbose", "--fake-models", "-v"].includes(arg)) {
    console.error(`unknown option ${arg} (use --verbose, --fake-models)`);
    process.exit(2);
  }
}
const verbose = args.has("--verbose") || args.has("-v");
const fakeModels = args.has("--fake-models");

const FAKE_EMBEDDER = "fake hashing embedder — a test device, not a model";
const FAKE_MODELS = "fake hashing embedder + fake word-overlap reranker — test devices, not models";

function loadQuestions(): EvalQuestion[] {
  const raw = JSON.parse(readFileSync(QUESTIONS_FILE, "utf8")) as Array<Question & { kind: Kind }>;
  const texts = new Map<string, string>();
  return raw.map((q) => {
    const file = path.join(CORPUS_DIR, q.document);
    if (!texts.has(q.document)) texts.set(q.document, readFileSync(file, "utf8"));
    const range = locateAnswer(q, texts.get(q.document)!);
    if (typeof range === "string") throw new Error(`${q.id}: ${range} (run npx tsx eval/check-questions.ts)`);
    return { ...q, range };
  });
}

/** The first passage (1-based) from the question's document that contains the answer or overlaps its range; 0 if none. */
function firstHit(
  q: EvalQuestion,
  passages: Array<{ documentId: string; text: string; start: number; end: number }>,
  fileOf: Map<string, string>,
): number {
  const index = passages.findIndex(
    (p) =>
      fileOf.get(p.documentId) === q.document &&
      (p.text.includes(q.answer) || (p.start < q.range.end && q.range.start < p.end)),
  );
  return index + 1;
}

const ratio = (n: number) => n.toFixed(3);

function metrics(outcomes: Outcome[]) {
  const n = outcomes.length;
  if (n === 0) return { n, recall: Number.NaN, mrr: Number.NaN, hit1: Number.NaN };
  return {
    n,
    recall: outcomes.filter((o) => o.rank > 0).length / n,
    mrr: outcomes.reduce((sum, o) => sum + (o.rank > 0 ? 1 / o.rank : 0), 0) / n,
    hit1: outcomes.filter((o) => o.rank === 1).length / n,
  };
}

function printTable(rows: Row[], questions: EvalQuestion[]) {
  const header = [
    "mode",
    "recall@5",
    "MRR@5",
    "hit@1",
    ...KINDS.map((k) => `${k} (${questions.filter((q) => q.kind === k).length}) R@5 / MRR@5`),
    "ms/query p50",
  ];
  const lines: string[][] = [];
  for (const row of rows) {
    if (row.state !== "ran") {
      lines.push([row.label, `${row.state}: ${row.reason}`]);
      continue;
    }
    const all = metrics(row.outcomes);
    const ms = [...row.outcomes.map((o) => o.ms)].sort((a, b) => a - b)[Math.floor(row.outcomes.length / 2)] ?? NaN;
    lines.push([
      row.label,
      ratio(all.recall),
      ratio(all.mrr),
      ratio(all.hit1),
      ...KINDS.map((k) => {
        const m = metrics(row.outcomes.filter((o) => o.question.kind === k));
        return `${ratio(m.recall)} / ${ratio(m.mrr)}`;
      }),
      ms.toFixed(1),
    ]);
  }
  const widths = header.map((h, i) =>
    Math.max(h.length, ...lines.filter((l) => i === 0 || l.length > 2).map((l) => l[i]?.length ?? 0)),
  );
  const fmt = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[0]!) : c.padStart(widths[i]!))).join(" | ");
  console.log(fmt(header));
  console.log(widths.map((w) => "-".repeat(w)).join("-|-"));
  for (const line of lines) {
    console.log(line.length === 2 ? `${line[0]!.padEnd(widths[0]!)} | ${line[1]}` : fmt(line));
  }
}

async function main(): Promise<number> {
  const started = performance.now();
  const questions = loadQuestions();
  const files = readdirSync(CORPUS_DIR).filter((f) => f.endsWith(".md")).sort();

  // Providers: decided before any app module reads the settings.
  let fake: { close(): Promise<void>; url: string } | undefined;
  if (fakeModels) {
    const { startFakeLlm } = await import("../tests/fake-llm/server");
    fake = await startFakeLlm();
    Object.assign(process.env, {
      EMBEDDINGS_BASE_URL: fake.url,
      EMBEDDINGS_MODEL: "fake-hashing-embedder",
      RERANK_BASE_URL: fake.url,
      RERANK_MODEL: "fake-word-overlap-reranker",
    });
    delete process.env.EMBEDDINGS_API_KEY;
    delete process.env.EMBEDDINGS_MULTILINGUAL_MODEL;
    delete process.env.RERANK_API_KEY;
  }
  const env = (name: string) => process.env[name]?.trim() || undefined;
  // Dense modes need an embedder that is configured here: never download one for an evaluation.
  if (!env("EMBEDDINGS_BASE_URL") && !env("EMBEDDINGS_MODEL_PATH")) process.env.EMBEDDINGS_DOWNLOAD = "0";

  const [{ embedder }, { reranker }, { vectorStore }, { retrieve }, { ingestDocument }] = await Promise.all([
    import("../lib/ai/embeddings"),
    import("../lib/ai/rerank"),
    import("../lib/rag/vector-store"),
    import("../lib/rag/retrieve"),
    import("../lib/rag/ingest/pipeline"),
  ]);
  const { createUser } = await import("../lib/auth/users");
  const { personalCollectionId } = await import("../lib/db/queries/collections");
  const { insertDocument } = await import("../lib/db/queries/documents");
  const { inspectUpload } = await import("../lib/rag/extract");
  const { config } = await import("../lib/config");

  let scratch: ScratchDatabase | undefined;
  try {
    const dbStarted = performance.now();
    scratch = await openScratchDatabase({ serverUrl: env("EVAL_DATABASE_URL"), prefix: "parley-eval" });
    const dbMs = performance.now() - dbStarted;

    // What can run.
    const embedding = embedder();
    const embeddingStatus = embedding ? await settledStatus(() => embedding.status()) : undefined;
    let denseReason: string | undefined;
    if (!embedding) {
      denseReason = "no embedding provider configured (set EMBEDDINGS_BASE_URL or EMBEDDINGS_MODEL_PATH, or pass --fake-models)";
    } else if (embeddingStatus?.state !== "ready") {
      denseReason = `embedding provider not ready: ${embeddingStatus?.detail}`;
    } else {
      const store = await (await vectorStore()).status();
      if (!store.available) denseReason = `no vector store: ${store.detail}`;
    }
    const ranker = reranker();
    const rerankStatus = ranker ? await settledStatus(() => ranker.status()) : undefined;
    let rerankReason: string | undefined;
    if (denseReason) rerankReason = "needs the dense search that hybrid uses (see above)";
    else if (!ranker) rerankReason = "no reranker configured (set RERANK_BASE_URL or RERANK_MODEL_PATH, or pass --fake-models)";
    else if (rerankStatus?.state !== "ready") rerankReason = `reranker not ready: ${rerankStatus?.detail}`;

    const user = await createUser({ email: "eval@example.com", password: "eval-password" });
    const collectionId = await personalCollectionId(user.id);

    // Ingest the corpus through the app's pipeline, one document at a time.
    const ingestStarted = performance.now();
    const fileOf = new Map<string, string>();
    let chunks = 0;
    const failures: string[] = [];
    for (const file of files) {
      const bytes = new Uint8Array(readFileSync(path.join(CORPUS_DIR, file)));
      try {
        const { kind } = inspectUpload(bytes, file);
        const document = await insertDocument({
          collectionId,
          uploadedById: user.id,
          name: file,
          kind,
          bytes,
          sha256: createHash("sha256").update(bytes).digest("hex"),
        });
        fileOf.set(document.id, file);
        const done = await ingestDocument(document.id);
        if (done?.status !== "indexed" || done.chunkCount === 0) {
          failures.push(`${file}: ended ${done?.status ?? "missing"} with ${done?.chunkCount ?? 0} chunks${done?.error ? ` (${done.error})` : ""}`);
        } else if (!denseReason && !done.embeddingModel) {
          failures.push(`${file}: indexed without embeddings although an embedder is ready`);
        }
        chunks += done?.chunkCount ?? 0;
      } catch (error) {
        failures.push(`${file}: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
    const ingestMs = performance.now() - ingestStarted;
    if (failures.length > 0) {
      for (const failure of failures) console.error(`ingestion failed: ${failure}`);
      return 1;
    }

    const labelOf = (mode: Mode) => {
      if (!fakeModels || mode === "lexical") return mode;
      return `${mode} (${mode === "hybrid+rerank" ? FAKE_MODELS : FAKE_EMBEDDER})`;
    };
    const rows: Row[] = [];
    for (const mode of MODES) {
      const label = labelOf(mode);
      const skip = mode === "lexical" ? undefined : mode === "hybrid+rerank" ? (denseReason ?? rerankReason) : denseReason;
      if (skip) {
        rows.push({ mode, label, state: "skipped", reason: mode === "hybrid+rerank" && denseReason ? `needs an embedding provider and a reranker: ${denseReason}` : skip });
        continue;
      }
      const outcomes: Outcome[] = [];
      let failed: string | undefined;
      for (const question of questions) {
        const t0 = performance.now();
        const result = await retrieve({ userId: user.id, query: question.question, mode, topK: TOP_K, floor: false });
        const ms = performance.now() - t0;
        if (result.mode !== mode || result.degraded.length > 0) {
          failed = `${question.id} ran as ${result.mode}: ${result.degraded.join(" ") || "no reason given"}`;
          break;
        }
        outcomes.push({ question, rank: firstHit(question, result.passages, fileOf), ms });
      }
      rows.push(failed ? { mode, label, state: "failed", reason: failed } : { mode, label, state: "ran", outcomes });
    }

    const counts = KINDS.map((k) => `${k} ${questions.filter((q) => q.kind === k).length}`).join(", ");
    console.log(`\nRetrieval evaluation: ${questions.length} questions (${counts}) over ${files.length} documents`);
    console.log(
      `top ${TOP_K}, relevance floor off, ${config.retrieval.candidates} candidates per search (RAG_CANDIDATES); ` +
        `${chunks} chunks (CHUNK_TOKENS ${config.knowledge.chunkTokens}, overlap ${config.knowledge.chunkOverlapTokens})`,
    );
    console.log(`database: ${scratch.where} (opened in ${(dbMs / 1000).toFixed(1)} s); corpus ingested in ${(ingestMs / 1000).toFixed(1)} s`);
    console.log(`embeddings: ${embeddingStatus ? embeddingStatus.detail : "none configured"}`);
    console.log(`reranker: ${rerankStatus ? rerankStatus.detail : "none configured"}`);
    if (fakeModels) {
      console.log(
        "\n!! --fake-models: the dense, hybrid and rerank rows below come from the project's FAKE model server\n" +
          "!! (hashed bag-of-words vectors, word-overlap rerank scores). They prove the code paths work;\n" +
          "!! they say NOTHING about the quality of any embedding model or reranker.",
      );
    }
    console.log("");
    printTable(rows, questions);
    console.log(
      "\nrecall@5: share of questions with an answer passage in the top 5 (one answer per question, so = hit@5); " +
        "MRR@5: mean of 1/rank of the first answer passage (0 when none in the top 5).",
    );

    if (verbose) {
      for (const row of rows) {
        if (row.state !== "ran") continue;
        const missed = row.outcomes.filter((o) => o.rank === 0);
        console.log(`\n${row.label}: missed ${missed.length} of ${row.outcomes.length}`);
        for (const { question } of missed) console.log(`  ${question.id} [${question.kind}] ${question.question}`);
      }
    }
    console.log(`\ndone in ${((performance.now() - started) / 1000).toFixed(1)} s`);
    return rows.some((r) => r.state === "failed") ? 1 : 0;
  } finally {
    await scratch?.close().catch((error) => console.warn(`could not remove the scratch database: ${error}`));
    await fake?.close();
  }
}

main().then(
  (code) => process.exit(code),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
