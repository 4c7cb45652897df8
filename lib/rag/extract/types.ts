import type { ExtractedDocument } from "../chunk";

/** What a file is, decided from its bytes (magic numbers and structure), never its name. */
export type DocumentKind = "pdf" | "docx" | "html" | "markdown" | "text";

/**
 * A file Parley will not take, with words the uploader can act on. Raised at
 * upload (type, size, DOCX zip limits) and answered with a 4xx.
 */
export class UnsupportedDocumentError extends Error {
  // A plain field, not a parameter property: the extraction thread loads this
  // file with Node's type stripping, which only erases types.
  readonly status: 413 | 415 | 422;
  constructor(message: string, status: 413 | 415 | 422 = 415) {
    super(message);
    this.name = "UnsupportedDocumentError";
    this.status = status;
  }
}

/**
 * Extraction of one document failed (encrypted, corrupt, image-only PDF...):
 * the document is marked failed with this reason; the server carries on.
 */
export class ExtractionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ExtractionError";
  }
}

export type { ExtractedDocument };
