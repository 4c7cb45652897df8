import { randomUUID } from "node:crypto";
import type { AuthUser } from "../../auth/users";
import { forbidden, notFound } from "../../http/errors";
import { sql } from "../client";
import { READABLE_BY_USER } from "./collections";

export type DocumentStatus = "queued" | "extracting" | "chunking" | "embedding" | "indexed" | "failed" | "cancelled";

/** States in which ingestion is still to run or running. */
export const ACTIVE_STATUSES: DocumentStatus[] = ["queued", "extracting", "chunking", "embedding"];

export interface DocumentView {
  id: string;
  collectionId: string;
  name: string;
  kind: string;
  sizeBytes: number;
  status: DocumentStatus;
  progress: number;
  error: string | null;
  pageCount: number | null;
  chunkCount: number;
  language: string | null;
  embeddingModel: string | null;
  createdAt: Date;
  updatedAt: Date;
  indexedAt: Date | null;
}

const VIEW_COLUMNS = `d.id, d."collectionId", d.name, d.kind, d."sizeBytes", d.status, d.progress, d.error,
  d."pageCount", d."chunkCount", d.language, d."embeddingModel", d."createdAt", d."updatedAt", d."indexedAt"`;

export async function insertDocument(input: {
  collectionId: string;
  uploadedById: string;
  name: string;
  kind: string;
  bytes: Uint8Array;
  sha256: string;
}): Promise<DocumentView> {
  const db = await sql();
  const id = randomUUID();
  return db.transaction(async (tx) => {
    const [row] = await tx.query<DocumentView>(
      `INSERT INTO "Document" AS d (id, "collectionId", "uploadedById", name, kind, "sizeBytes", sha256)
       VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING ${VIEW_COLUMNS}`,
      [id, input.collectionId, input.uploadedById, input.name, input.kind, input.bytes.byteLength, input.sha256],
    );
    await tx.query(`INSERT INTO "DocumentFile" ("documentId", bytes) VALUES ($1, $2)`, [id, input.bytes]);
    return row!;
  });
}

/** Documents the user may read, newest first; optionally one collection's. */
export async function listDocuments(user: AuthUser, collectionId?: string): Promise<DocumentView[]> {
  const db = await sql();
  return db.query<DocumentView>(
    `SELECT ${VIEW_COLUMNS} FROM "Document" d JOIN "Collection" c ON c.id = d."collectionId"
     WHERE ${READABLE_BY_USER} AND ($2::text IS NULL OR d."collectionId" = $2)
     ORDER BY d."createdAt" DESC LIMIT 1000`,
    [user.id, collectionId ?? null],
  );
}

/** The document if the user may read it; 404 otherwise, also for other users' documents. */
export async function readableDocument(user: AuthUser, documentId: string) {
  const db = await sql();
  const [row] = await db.query<DocumentView & { ownerId: string | null; shared: boolean }>(
    `SELECT ${VIEW_COLUMNS}, c."ownerId", c.shared FROM "Document" d JOIN "Collection" c ON c.id = d."collectionId"
     WHERE d.id = $2 AND ${READABLE_BY_USER}`,
    [user.id, documentId],
  );
  if (!row) throw notFound("Document");
  return row;
}

/** The document if the user may change it (their collection, or a shared one for an admin). */
export async function writableDocument(user: AuthUser, documentId: string): Promise<DocumentView> {
  const { ownerId, shared, ...document } = await readableDocument(user, documentId);
  if (!(ownerId === user.id || (shared && user.role === "admin"))) {
    throw forbidden("Only an admin can change documents of a shared collection.");
  }
  return document;
}

export async function documentView(documentId: string): Promise<DocumentView | null> {
  const db = await sql();
  const [row] = await db.query<DocumentView>(`SELECT ${VIEW_COLUMNS} FROM "Document" d WHERE d.id = $1`, [documentId]);
  return row ?? null;
}

export async function documentFile(documentId: string): Promise<Uint8Array | null> {
  const db = await sql();
  const [row] = await db.query<{ bytes: Uint8Array }>(`SELECT bytes FROM "DocumentFile" WHERE "documentId" = $1`, [
    documentId,
  ]);
  // node-postgres hands out a Buffer; pdfjs insists on a plain Uint8Array.
  return row ? new Uint8Array(row.bytes) : null;
}

export interface DocumentPatch {
  status?: DocumentStatus;
  progress?: number;
  error?: string | null;
  pageCount?: number | null;
  chunkCount?: number;
  language?: string | null;
  embeddingModel?: string | null;
  text?: string | null;
  pageStarts?: number[];
  indexedAt?: Date | null;
}

const PATCH_COLUMNS: Record<keyof DocumentPatch, string> = {
  status: "status",
  progress: "progress",
  error: "error",
  pageCount: `"pageCount"`,
  chunkCount: `"chunkCount"`,
  language: "language",
  embeddingModel: `"embeddingModel"`,
  text: "text",
  pageStarts: `"pageStarts"`,
  indexedAt: `"indexedAt"`,
};

/**
 * Updates a document, but only while it is in one of `onlyIf` states: a
 * cancelled or deleted document is never brought back by a worker that has
 * not noticed yet. Returns the new view, or null when nothing was updated.
 */
export async function updateDocument(
  documentId: string,
  patch: DocumentPatch,
  onlyIf: DocumentStatus[] = ACTIVE_STATUSES,
): Promise<DocumentView | null> {
  const entries = Object.entries(patch).filter(([, value]) => value !== undefined) as Array<
    [keyof DocumentPatch, unknown]
  >;
  const sets = entries.map(([key], i) => `${PATCH_COLUMNS[key]} = $${i + 3}`);
  sets.push(`"updatedAt" = now()`);
  const db = await sql();
  const [row] = await db.query<DocumentView>(
    `UPDATE "Document" d SET ${sets.join(", ")} WHERE d.id = $1 AND d.status = ANY($2::text[]::"DocumentStatus"[])
     RETURNING ${VIEW_COLUMNS}`,
    [documentId, onlyIf, ...entries.map(([, value]) => value)],
  );
  return row ?? null;
}

export async function deleteDocumentRow(documentId: string): Promise<void> {
  const db = await sql();
  await db.query(`DELETE FROM "Document" WHERE id = $1`, [documentId]);
}

/** Bytes the user has uploaded, for the per-user quota. */
export async function uploadedBytes(userId: string): Promise<number> {
  const db = await sql();
  const [row] = await db.query<{ total: string | number | null }>(
    `SELECT sum("sizeBytes") AS total FROM "Document" WHERE "uploadedById" = $1`,
    [userId],
  );
  return Number(row?.total ?? 0);
}

/** Documents whose ingestion had not finished (a restart interrupted it, or it never started). */
export async function unfinishedDocumentIds(): Promise<string[]> {
  const db = await sql();
  const rows = await db.query<{ id: string }>(
    `SELECT id FROM "Document" WHERE status = ANY($1::text[]::"DocumentStatus"[]) ORDER BY "createdAt"`,
    [ACTIVE_STATUSES],
  );
  return rows.map((r) => r.id);
}

/** Indexed documents whose vectors are missing or from another model than the one that should embed them. */
export async function documentsNeedingEmbeddings(): Promise<Array<{ id: string; language: string | null; embeddingModel: string | null }>> {
  const db = await sql();
  return db.query(
    `SELECT id, language, "embeddingModel" FROM "Document" WHERE status = 'indexed' AND "chunkCount" > 0`,
  );
}

export async function documentText(documentId: string): Promise<{ text: string; pageStarts: number[] } | null> {
  const db = await sql();
  const [row] = await db.query<{ text: string | null; pageStarts: number[] }>(
    `SELECT text, "pageStarts" FROM "Document" WHERE id = $1`,
    [documentId],
  );
  return row?.text == null ? null : { text: row.text, pageStarts: row.pageStarts };
}
