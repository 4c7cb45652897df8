import type { ExtractedDocument } from "../chunk";
import { extractDocx } from "./docx";
import { htmlToText } from "./html";
import type { ExtractOptions } from "./index";
import { extractPdf } from "./pdf";
import type { PdfLimits } from "./pdf-limits";
import { decodeText } from "./text";
import { type DocumentKind, ExtractionError } from "./types";

/**
 * Reads a document's text in the current thread. Runs in the extraction
 * thread (extract-thread.mjs), never in the one that serves requests: call
 * extractDocument instead. Loaded there with Node's type stripping, so this
 * file and everything it imports use only erasable TypeScript.
 */
export async function readDocument(
  bytes: Uint8Array,
  kind: DocumentKind,
  limits: PdfLimits,
  options: ExtractOptions = {},
): Promise<ExtractedDocument> {
  const document = await read(bytes, kind, limits, options);
  if (!document.text.trim()) throw new ExtractionError("No text found in the document");
  return document;
}

async function read(bytes: Uint8Array, kind: DocumentKind, limits: PdfLimits, options: ExtractOptions): Promise<ExtractedDocument> {
  switch (kind) {
    case "pdf":
      return extractPdf(bytes, limits, options);
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
