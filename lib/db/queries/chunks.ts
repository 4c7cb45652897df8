import { randomUUID } from "node:crypto";
import type { Chunk } from "../../rag/chunk";
import { sql } from "../client";
import { READABLE_BY_USER } from "./collections";

/** Text search configuration of the lexical index (stemming and stop words). */
export const TEXT_SEARCH_CONFIG = "english";

/** A passage and where it sits in its document. */
export interface ChunkPlace {
  text: string;
  context: string;
  start: number;
  end: number;
  page: number | null;
  pageEnd: number | null;
  headingPath: string[];
}

export interface StoredChunk extends ChunkPlace {
  id: string;
  ord: number;
  tokens: number;
}

/** What a chunk is searched and embedded with besides its text: where it sits. */
function chunkContext(documentName: string, headingPath: string[]): string {
  return [documentName, ...headingPath].join(" › ");
}

const INSERT_BATCH = 500;

/**
 * Stores a document's chunks with their full-text vectors (the context is
 * weighted above the body, so a document or section title counts). Returns the
 * new chunk ids in order.
 */
export async function insertChunks(
  documentId: string,
  collectionId: string,
  documentName: string,
  chunks: Chunk[],
): Promise<string[]> {
  const db = await sql();
  const ids: string[] = [];
  for (let from = 0; from < chunks.length; from += INSERT_BATCH) {
    const rows = chunks.slice(from, from + INSERT_BATCH).map((chunk, i) => {
      const id = randomUUID();
      ids.push(id);
      return {
        id,
        ord: from + i,
        text: chunk.text,
        context: chunkContext(documentName, chunk.headingPath),
        start: chunk.start,
        end: chunk.end,
        page: chunk.page ?? null,
        pageEnd: chunk.pageEnd ?? null,
        headingPath: chunk.headingPath,
        tokens: chunk.tokens,
      };
    });
    await db.query(
      `INSERT INTO "Chunk" (id, "documentId", "collectionId", ord, text, context, start, "end", page, "pageEnd",
                            "headingPath", tokens, tsv)
       SELECT r.id, $1, $2, r.ord, r.text, r.context, r.start, r."end", r.page, r."pageEnd",
              ARRAY(SELECT jsonb_array_elements_text(r."headingPath")), r.tokens,
              setweight(to_tsvector('${TEXT_SEARCH_CONFIG}', r.context), 'A') || to_tsvector('${TEXT_SEARCH_CONFIG}', r.text)
       FROM jsonb_to_recordset($3::jsonb) AS r(id text, ord int, text text, context text, start int, "end" int,
                                              page int, "pageEnd" int, "headingPath" jsonb, tokens int)`,
      [documentId, collectionId, JSON.stringify(rows)],
    );
  }
  return ids;
}

export async function deleteChunks(documentId: string): Promise<void> {
  const db = await sql();
  await db.query(`DELETE FROM "Chunk" WHERE "documentId" = $1`, [documentId]);
}

export async function listChunks(documentId: string, { offset = 0, limit = 50 } = {}): Promise<StoredChunk[]> {
  const db = await sql();
  return db.query<StoredChunk>(
    `SELECT id, ord, text, context, start, "end", page, "pageEnd", "headingPath", tokens
     FROM "Chunk" WHERE "documentId" = $1 ORDER BY ord OFFSET $2 LIMIT $3`,
    [documentId, offset, limit],
  );
}

/** Chunk ids and embedding input ("context\n\ntext") of a document, in order. */
export async function chunksToEmbed(documentId: string): Promise<Array<{ id: string; input: string }>> {
  const db = await sql();
  const rows = await db.query<{ id: string; context: string; text: string }>(
    `SELECT id, context, text FROM "Chunk" WHERE "documentId" = $1 ORDER BY ord`,
    [documentId],
  );
  return rows.map((r) => ({ id: r.id, input: embeddingInput(r) }));
}

export function embeddingInput(chunk: { context: string; text: string }): string {
  return `${chunk.context}\n\n${chunk.text}`;
}

/**
 * Lexical search: $1 the question, $2 collection ids, $3 limit, $4 the tsquery
 * clauses of the chunks to rank (a chunk is ranked when it matches any; null:
 * every chunk holding any of the question's terms), $5 the clauses of a wider
 * search (null: none) that replaces the first when it ranked fewer than $3
 * chunks: one statement, so a question that needs it does not pay a second
 * round trip and plan (at 100k chunks about one question in four did).
 *
 * Candidates are materialized first so that the planner never matches the
 * question's full OR query through the index: that match is the cost the
 * clauses avoid. The wider search runs only when the first found too few: its
 * condition holds no column, so its scan sits under a one-time filter.
 * Exported for the benchmark's EXPLAIN.
 */
export const LEXICAL_SEARCH_SQL = `WITH q AS (
       SELECT NULLIF(replace(plainto_tsquery('${TEXT_SEARCH_CONFIG}', $1)::text, ' & ', ' | '), '')::tsquery AS query,
              tsvector_to_array(to_tsvector('${TEXT_SEARCH_CONFIG}', $1)) AS terms
     ), candidates AS MATERIALIZED (
       SELECT c.id, c.tsv FROM "Chunk" c, q
       WHERE c.tsv @@ ANY(coalesce($4::tsquery[], ARRAY[q.query])) AND c."collectionId" = ANY($2)
     ), hits AS MATERIALIZED (
       SELECT c.id, c.tsv, ts_rank(c.tsv, q.query) AS rank
       FROM candidates c, q
       WHERE q.query IS NOT NULL AND c.tsv @@ q.query
       ORDER BY rank DESC LIMIT $3
     ), wider_candidates AS MATERIALIZED (
       SELECT c.id, c.tsv FROM "Chunk" c
       WHERE $5::tsquery[] IS NOT NULL AND (SELECT count(*) FROM hits) < $3
         AND c.tsv @@ ANY($5::tsquery[]) AND c."collectionId" = ANY($2)
     ), wider_hits AS MATERIALIZED (
       SELECT c.id, c.tsv, ts_rank(c.tsv, q.query) AS rank
       FROM wider_candidates c, q
       WHERE q.query IS NOT NULL AND c.tsv @@ q.query
       ORDER BY rank DESC LIMIT $3
     ), chosen AS (
       SELECT * FROM wider_hits
       UNION ALL SELECT * FROM hits WHERE NOT EXISTS (SELECT 1 FROM wider_hits)
     )
     SELECT h.id AS "chunkId", h.rank,
            (SELECT count(*) FROM unnest(q.terms) t WHERE t = ANY(tsvector_to_array(h.tsv)))::float
              / greatest(cardinality(q.terms), 1) AS coverage
     FROM chosen h, q ORDER BY h.rank DESC`;

/** The question's distinct terms with how many chunks hold each; the empty lexeme: all chunks. */
const TERM_COUNTS_SQL = `SELECT t.lexeme, coalesce(l.chunks, 0) AS chunks
     FROM unnest(tsvector_to_array(to_tsvector('${TEXT_SEARCH_CONFIG}', $1))) AS t(lexeme)
     LEFT JOIN "LexemeCount" l ON l.lexeme = t.lexeme
     UNION ALL SELECT '', coalesce((SELECT chunks FROM "LexemeCount" WHERE lexeme = ''), 0)`;

export interface LexicalHit {
  chunkId: string;
  rank: number;
  /** Share of the question's distinct terms the chunk contains, 0..1. */
  coverage: number;
}

/**
 * Ranking is what lexical search costs (~3-5 µs a chunk in the embedded
 * database): while a question's terms are held by at most this many chunks
 * in all, every one of those chunks is ranked.
 */
export const LEXICAL_RANK_BUDGET = 300;
/** Beyond the budget, chunks to rank are chosen by this many of the question's rarest terms at most. */
const CHOOSING_TERMS = 5;
/** When too few chunks hold enough terms, one term fewer is tried if that is expected to rank at most this many budgets. */
const WIDENING_BUDGET = 4;

export interface TermCount {
  lexeme: string;
  /** How many chunks hold it. */
  chunks: number;
}

/**
 * How many of the question's rarest terms a chunk must hold to be ranked. 0:
 * none, every chunk holding any of its terms is ranked, while those fit the
 * budget (small knowledge bases always do: they rank exactly as they always
 * did). Else the smallest number whose expected count of chunks (terms taken
 * as independent) fits, among the CHOOSING_TERMS rarest terms. A question's
 * common words then still count in ranking and coverage, but no longer pull
 * in thousands of chunks that hold nothing else of it.
 */
export function termsRequired(terms: TermCount[], total: number, budget = LEXICAL_RANK_BUDGET): number {
  const held = terms.filter((t) => t.chunks > 0);
  if (held.reduce((sum, t) => sum + t.chunks, 0) <= budget) return 0;
  const expected = expectedChunks(held, total);
  const k = expected.findIndex((chunks, k) => k > 0 && chunks <= budget);
  return k > 0 ? k : expected.length - 1;
}

/**
 * Expected number of chunks holding at least k of the CHOOSING_TERMS rarest
 * terms, for k = 0..n, terms taken as independent (Poisson binomial).
 */
export function expectedChunks(terms: TermCount[], total: number): number[] {
  const shares = rarest(terms.filter((t) => t.chunks > 0)).map((t) => Math.min(1, t.chunks / Math.max(total, 1)));
  let exactly = [1];
  for (const p of shares) {
    const next = new Array<number>(exactly.length + 1).fill(0);
    exactly.forEach((q, i) => {
      next[i]! += q * (1 - p);
      next[i + 1]! += q * p;
    });
    exactly = next;
  }
  return exactly.map((_, k) => exactly.slice(k).reduce((sum, q) => sum + q, 0) * total);
}

function rarest(terms: TermCount[]): TermCount[] {
  return [...terms].sort((a, b) => a.chunks - b.chunks || (a.lexeme < b.lexeme ? -1 : 1)).slice(0, CHOOSING_TERMS);
}

/** tsquery clauses (any may match) for "holds at least `k` of the CHOOSING_TERMS rarest terms". */
export function rankedChunkClauses(terms: TermCount[], k: number): string[] {
  const lexemes = rarest(terms.filter((t) => t.chunks > 0)).map((t) => tsqueryLexeme(t.lexeme));
  const clauses: string[] = [];
  const pick = (from: number, chosen: string[]) => {
    if (chosen.length === k) return void clauses.push(chosen.join(" & "));
    for (let i = from; i <= lexemes.length - (k - chosen.length); i++) pick(i + 1, [...chosen, lexemes[i]!]);
  };
  pick(0, []);
  return clauses;
}

/** A lexeme quoted for tsquery input. */
function tsqueryLexeme(lexeme: string): string {
  return `'${lexeme.replaceAll("\\", "\\\\").replaceAll("'", "''")}'`;
}

/**
 * Full-text search over chunks of the given collections. Any of the question's
 * terms may match (ranked by ts_rank, the title-weighted context counting
 * most); `coverage` tells how many of them did. When the question's terms are
 * held by more chunks than `budget`, only chunks holding enough of its rarest
 * terms are ranked (see termsRequired), and one term fewer when that finds
 * fewer than `limit` and is still expected to be cheap (WIDENING_BUDGET).
 */
export async function lexicalSearch(
  collectionIds: string[],
  query: string,
  limit: number,
  { budget = LEXICAL_RANK_BUDGET }: { budget?: number } = {},
): Promise<LexicalHit[]> {
  if (collectionIds.length === 0) return [];
  const db = await sql();
  const chosen = await chunksToRank(query, budget);
  if (!chosen) return [];
  return db.query<LexicalHit>(LEXICAL_SEARCH_SQL, [query, collectionIds, limit, chosen.clauses, chosen.widerClauses]);
}

/**
 * Which chunks a lexical search for `query` ranks: `clauses` for LEXICAL_SEARCH_SQL's $4
 * (null: all holding any term), `required` as termsRequired says, and `widerClauses` for
 * its $5: one term fewer, when that is expected to rank at most WIDENING_BUDGET budgets
 * (else null). Null for a question without terms.
 */
export async function chunksToRank(
  query: string,
  budget = LEXICAL_RANK_BUDGET,
): Promise<{
  terms: TermCount[];
  required: number;
  expected: number[];
  clauses: string[] | null;
  widerClauses: string[] | null;
} | null> {
  const db = await sql();
  const rows = await db.query<TermCount>(TERM_COUNTS_SQL, [query]);
  const total = rows.find((r) => r.lexeme === "")?.chunks ?? 0;
  const terms = rows.filter((r) => r.lexeme !== "");
  if (terms.length === 0) return null;
  const required = termsRequired(terms, total, budget);
  const expected = expectedChunks(terms, total);
  const wider = required - 1;
  return {
    terms,
    required,
    expected,
    clauses: required === 0 ? null : rankedChunkClauses(terms, required),
    widerClauses: wider >= 1 && expected[wider]! <= WIDENING_BUDGET * budget ? rankedChunkClauses(terms, wider) : null,
  };
}

export interface PassageRow extends ChunkPlace {
  chunkId: string;
  documentId: string;
  documentName: string;
  collectionId: string;
}

/** The chunks with these ids that the user may read (ids of unreadable chunks are silently absent). */
export async function passagesForUser(userId: string, chunkIds: string[]): Promise<PassageRow[]> {
  if (chunkIds.length === 0) return [];
  const db = await sql();
  return db.query<PassageRow>(
    `SELECT k.id AS "chunkId", k."documentId", d.name AS "documentName", k."collectionId", k.text, k.context,
            k.start, k."end", k.page, k."pageEnd", k."headingPath"
     FROM "Chunk" k JOIN "Document" d ON d.id = k."documentId" JOIN "Collection" c ON c.id = k."collectionId"
     WHERE k.id = ANY($2) AND ${READABLE_BY_USER}`,
    [userId, chunkIds],
  );
}
