import type { ExtractedDocument } from "../chunk";
import { extractInThread } from "./thread-pool";
import type { DocumentKind } from "./types";

export { inspectUpload } from "./detect";
export { htmlToText } from "./html";
export { type DocumentKind, type ExtractedDocument, ExtractionError, UnsupportedDocumentError } from "./types";

export interface ExtractOptions {
  /** Aborting stops the extraction at once (its thread is terminated); it rejects with the signal's reason. */
  signal?: AbortSignal;
  /** Share of the work done, 0..1 (per page for PDFs). */
  onProgress?: (fraction: number) => void;
}

/**
 * The text of a document whose kind inspectUpload decided, read in an
 * extraction thread (thread-pool.ts) so a heavy or hostile document never
 * holds up the requests this process serves. Throws ExtractionError with a
 * reason a user can read when the document cannot be read (damaged,
 * password-protected, image-only, no text at all, beyond a size, time or
 * memory limit), or the signal's reason when aborted.
 */
export function extractDocument(
  bytes: Uint8Array,
  kind: DocumentKind,
  options: ExtractOptions = {},
): Promise<ExtractedDocument> {
  return extractInThread(bytes, kind, options);
}
