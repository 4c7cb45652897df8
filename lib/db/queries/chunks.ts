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

/** Lexical search: $1 the question, $2 collection ids, $3 limit (exported for the benchmark's EXPLAIN). */
export const LEXICAL_SEARCH_SQL = `WITH q AS (
       SELECT NULLIF(replace(plainto_tsquery('${TEXT_SEARCH_CONFIG}', $1)::text, ' & ', ' | '), '')::tsquery AS query,
              tsvector_to_array(to_tsvector('${TEXT_SEARCH_CONFIG}', $1)) AS terms
     ), hits AS (
       SELECT c.id, c.tsv, ts_rank(c.tsv, q.query) AS rank
       FROM "Chunk" c, q
       WHERE q.query IS NOT NULL AND c.tsv @@ q.query AND c."collectionId" = ANY($2)
       ORDER BY rank DESC LIMIT $3
     )
     SELECT h.id AS "chunkId", h.rank,
            (SELECT count(*) FROM unnest(q.terms) t WHERE t = ANY(tsvector_to_array(h.tsv)))::float
              / greatest(cardinality(q.terms), 1) AS coverage
     FROM hits h, q ORDER BY h.rank DESC`;

export interface LexicalHit {
  chunkId: string;
  rank: number;
  /** Share of the question's distinct terms the chunk contains, 0..1. */
  coverage: number;
}

/**
 * Full-text search over chunks of the given collections. Any of the question's
 * terms may match (ranked by ts_rank, the title-weighted context counting
 * most); `coverage` tells how many of them did.
 */
export async function lexicalSearch(collectionIds: string[], query: string, limit: number): Promise<LexicalHit[]> {
  if (collectionIds.length === 0) return [];
  const db = await sql();
  return db.query<LexicalHit>(LEXICAL_SEARCH_SQL, [query, collectionIds, limit]);
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
