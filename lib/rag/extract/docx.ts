import type { ExtractedDocument } from "../chunk";
import { htmlToText } from "./html";
import type { ExtractOptions } from "./index";
import { ExtractionError, UnsupportedDocumentError } from "./types";
import { inspectDocxPackage, verifyEntrySizes, ZipFormatError } from "./zip";

/**
 * Text of a DOCX: the zip limits are checked again from the directory (the
 * file may predate a lower limit, or skipped the upload check), every entry is
 * proved to expand no further than its directory claims, and only then does
 * mammoth read it. Mammoth's HTML keeps headings, which htmlToText turns into
 * Markdown "#" lines for the chunker.
 */
export async function extractDocx(bytes: Uint8Array, options: ExtractOptions = {}): Promise<ExtractedDocument> {
  options.signal?.throwIfAborted();
  try {
    const directory = inspectDocxPackage(bytes);
    await verifyEntrySizes(bytes, directory.entries, options.signal);
  } catch (error) {
    if (error instanceof UnsupportedDocumentError) throw new ExtractionError(error.message);
    if (error instanceof ZipFormatError) throw new ExtractionError(`The DOCX is damaged (${error.message})`);
    throw error;
  }
  options.signal?.throwIfAborted();
  const { default: mammoth } = await import("mammoth");
  let html: string;
  try {
    const result = await mammoth.convertToHtml(
      { buffer: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength) },
      // Images are never read: their bytes would only be dropped again.
      { convertImage: mammoth.images.imgElement(async () => ({ src: "" })) },
    );
    html = result.value;
  } catch (error) {
    throw new ExtractionError(`The DOCX is damaged and cannot be read (${error instanceof Error ? error.message : String(error)})`);
  }
  options.onProgress?.(1);
  return { text: htmlToText(html) };
}
