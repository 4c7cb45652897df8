import { createHash } from "node:crypto";
import type { AuthUser } from "../auth/users";
import { config } from "../config";
import { personalCollectionId, writableCollection } from "../db/queries/collections";
import {
  ACTIVE_STATUSES,
  deleteDocumentRow,
  insertDocument,
  updateDocument,
  uploadedBytes,
  writableDocument,
  type DocumentView,
} from "../db/queries/documents";
import { badRequest, conflict } from "../http/errors";
import { documentEvents } from "./events";
import { inspectUpload } from "./extract";
import { UnsupportedDocumentError } from "./extract/types";
import { abortRunningIngest, enqueueIngest } from "./ingest/queue";
import { removeIndex } from "./ingest/pipeline";
import { noteChunksChanged } from "./ingest/statistics";

export interface UploadedFile {
  name: string;
  bytes: Uint8Array;
}

export interface UploadOutcome {
  accepted: DocumentView[];
  rejected: Array<{ name: string; status: number; error: string }>;
}

/**
 * Stores uploaded files and queues their ingestion; answers at once. Each file
 * is judged on its own: a bad one is rejected with the reason while the others
 * are accepted. Types are decided from content; per-file and per-user size
 * limits apply.
 */
export async function uploadDocuments(
  user: AuthUser,
  files: UploadedFile[],
  collectionId?: string,
): Promise<UploadOutcome> {
  if (files.length === 0) throw badRequest("Attach at least one file (form field \"files\").");
  if (files.length > config.knowledge.maxFilesPerUpload) {
    throw badRequest(`At most ${config.knowledge.maxFilesPerUpload} files per upload.`);
  }
  const target = collectionId ?? (await personalCollectionId(user.id));
  await writableCollection(user, target);

  let used = await uploadedBytes(user.id);
  const outcome: UploadOutcome = { accepted: [], rejected: [] };
  for (const file of files) {
    try {
      if (used + file.bytes.byteLength > config.knowledge.maxUserBytes) {
        throw new UnsupportedDocumentError(
          `Your knowledge base is full: ${mb(used)} of ${mb(config.knowledge.maxUserBytes)} used, ` +
            `this file needs ${mb(file.bytes.byteLength)}. Delete documents to make room.`,
          413,
        );
      }
      const { kind } = await inspectUpload(file.bytes, file.name);
      const document = await insertDocument({
        collectionId: target,
        uploadedById: user.id,
        name: cleanName(file.name),
        kind,
        bytes: file.bytes,
        sha256: createHash("sha256").update(file.bytes).digest("hex"),
      });
      used += file.bytes.byteLength;
      documentEvents().publish({ type: "document", document });
      await enqueueIngest(document.id);
      outcome.accepted.push(document);
    } catch (error) {
      if (!(error instanceof UnsupportedDocumentError)) throw error;
      outcome.rejected.push({ name: file.name, status: error.status, error: error.message });
    }
  }
  return outcome;
}

/** Stops a queued or running ingestion; the document stays, marked cancelled, and can be re-indexed. */
export async function cancelIngestion(user: AuthUser, documentId: string): Promise<DocumentView> {
  await writableDocument(user, documentId);
  const view = await updateDocument(documentId, { status: "cancelled", error: null }, ACTIVE_STATUSES);
  if (!view) throw conflict("The document is not being ingested.");
  abortRunningIngest(documentId);
  await removeIndex(documentId);
  const final = await updateDocument(documentId, { chunkCount: 0, progress: 0 }, ["cancelled"]);
  documentEvents().publish({ type: "document", document: final ?? view });
  return final ?? view;
}

/** Ingests a document again from its stored file (after a failure, a cancel, or a settings change). */
export async function reindexDocument(user: AuthUser, documentId: string): Promise<DocumentView> {
  await writableDocument(user, documentId);
  const view = await updateDocument(
    documentId,
    { status: "queued", progress: 0, error: null },
    ["indexed", "failed", "cancelled"],
  );
  if (!view) throw conflict("The document is already being ingested.");
  documentEvents().publish({ type: "document", document: view });
  await enqueueIngest(documentId);
  return view;
}

/** Deletes a document with its file, text, chunks and vectors; a running ingestion is stopped first. */
export async function deleteDocument(user: AuthUser, documentId: string): Promise<void> {
  const document = await writableDocument(user, documentId);
  await updateDocument(documentId, { status: "cancelled" }, ACTIVE_STATUSES);
  abortRunningIngest(documentId);
  await removeIndex(documentId);
  await deleteDocumentRow(documentId);
  noteChunksChanged(document.chunkCount);
  documentEvents().publish({ type: "deleted", documentId, collectionId: document.collectionId });
}

function cleanName(name: string): string {
  const base = name.split(/[\\/]/).pop()?.trim() ?? "";
  return (base || "Untitled").slice(0, 255);
}

function mb(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}
