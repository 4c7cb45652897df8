import type { ExtractedDocument } from "../chunk";
import { extractDocx } from "./docx";
import { htmlToText } from "./html";
import { extractPdf } from "./pdf";
import { decodeText } from "./text";
import { type DocumentKind, ExtractionError } from "./types";

export { inspectUpload } from "./detect";
export { htmlToText } from "./html";
export { type DocumentKind, type ExtractedDocument, ExtractionError, UnsupportedDocumentError } from "./types";

export interface ExtractOptions {
  /** Checked between pages (PDF) and steps; extraction stops with the signal's reason. */
  signal?: AbortSignal;
  /** Share of the work done, 0..1 (per page for PDFs). */
  onProgress?: (fraction: number) => void;
}

/**
 * The text of a document whose kind inspectUpload decided. Throws
 * ExtractionError with a reason a user can read when the document cannot be
 * read (damaged, password-protected, image-only, no text at all), or the
 * signal's reason when aborted.
 */
export async function extractDocument(
  bytes: Uint8Array,
  kind: DocumentKind,
  options: ExtractOptions = {},
): Promise<ExtractedDocument> {
  options.signal?.throwIfAborted();
  const document = await extract(bytes, kind, options);
  if (!document.text.trim()) throw new ExtractionError("No text found in the document");
  return document;
}

async function extract(bytes: Uint8Array, kind: DocumentKind, options: ExtractOptions): Promise<ExtractedDocument> {
  switch (kind) {
    case "pdf":
      return extractPdf(bytes, options);
    case "docx":
      return extractDocx(bytes, options);
    case "html": {
      const document = { text: htmlToText(decodeText(bytes)) };
      options.onProgress?.(1);
      return document;
    }
    case "markdown":
    case "text": {
      const document = { text: decodeText(bytes) };
      options.onProgress?.(1);
      return document;
    }
  }
}
