import type { ExtractedDocument } from "../chunk";
import type { ExtractOptions } from "./index";
import { checkPdfLimits, tooManyPages, type PdfLimits } from "./pdf-limits";
import { ExtractionError } from "./types";

/** What Parley reads of a pdfjs text item (TextMarkedContent items have no `str`). */
interface TextItem {
  str: string;
  transform: number[];
  width: number;
  height: number;
  hasEOL: boolean;
}

interface Line {
  text: string;
  /** Baseline, PDF units from the bottom of the page. */
  y: number;
  size: number;
  startX: number;
  endX: number;
}

/**
 * Text of a PDF, page by page, with unpdf's bundled pdfjs (the one pdfjs in
 * the extraction thread). Pages are joined with a blank line and each page's
 * character range is recorded; lines are rebuilt from item positions and
 * reflowed into paragraphs so sentences survive line wrapping. The page count
 * and the bytes the PDF's streams expand to are checked against `limits`
 * before pdfjs reads any page.
 */
export async function extractPdf(
  bytes: Uint8Array,
  limits: PdfLimits,
  options: ExtractOptions = {},
): Promise<ExtractedDocument> {
  options.signal?.throwIfAborted();
  await checkPdfLimits(bytes, limits, options.signal);
  const { getDocumentProxy } = await import("unpdf");
  let pdf: Awaited<ReturnType<typeof getDocumentProxy>>;
  try {
    // pdfjs may detach the buffer it is given: hand it a copy.
    pdf = await getDocumentProxy(bytes.slice(), { verbosity: 0 });
  } catch (error) {
    throw pdfError(error);
  }
  try {
    if (pdf.numPages > limits.maxPages) throw tooManyPages(pdf.numPages, limits.maxPages);
    let text = "";
    const pages: NonNullable<ExtractedDocument["pages"]> = [];
    for (let number = 1; number <= pdf.numPages; number++) {
      options.signal?.throwIfAborted();
      let pageText: string;
      try {
        const page = await pdf.getPage(number);
        const content = await page.getTextContent();
        page.cleanup();
        const [pageLeft = 0, , pageRight = 0] = page.view;
        const items = content.items.filter((item) => "str" in item) as TextItem[];
        pageText = paragraphs(lines(items), pageLeft, pageRight);
      } catch (error) {
        throw pdfError(error);
      }
      if (pageText && text) text += "\n\n";
      const start = text.length;
      text += pageText;
      pages.push({ page: number, start, end: text.length });
      options.onProgress?.(number / pdf.numPages);
    }
    if (pdf.numPages === 0) throw new ExtractionError("The PDF is damaged: it has no pages");
    if (!text.trim()) {
      throw new ExtractionError("The PDF has no text layer (scanned or image-only); OCR is not supported");
    }
    return { text, pages };
  } finally {
    // This pdfjs has no PDFDocumentProxy.destroy(): its loading task frees the document.
    await pdf.loadingTask.destroy();
  }
}

function pdfError(error: unknown): Error {
  if (error instanceof ExtractionError) return error;
  const { name, message } = error instanceof Error ? error : { name: "", message: String(error) };
  if (name === "PasswordException") {
    return new ExtractionError("The PDF is password-protected; remove the password and upload it again");
  }
  return new ExtractionError(`The PDF is damaged and cannot be read (${message || name || "unknown error"})`);
}

/** Groups items into visual lines: a new line after hasEOL or when the baseline moves. */
function lines(items: TextItem[]): Line[] {
  const result: Line[] = [];
  let line: Line | undefined;
  let endOfLine = true;
  for (const item of items) {
    const [, , c = 0, d = 0, x = 0, y = 0] = item.transform;
    const size = Math.hypot(c, d) || item.height || 1;
    if (item.str !== "") {
      if (!line || endOfLine || Math.abs(y - line.y) > size * 0.5) {
        line = { text: "", y, size, startX: x, endX: x };
        result.push(line);
      } else if (x - line.endX > size * 0.15 && !/\s$/.test(line.text) && !/^\s/.test(item.str)) {
        line.text += " ";
      }
      line.text += item.str;
      line.endX = Math.max(line.endX, x + item.width);
      line.size = Math.max(line.size, size);
    }
    endOfLine = item.hasEOL;
  }
  return result
    .map((l) => ({ ...l, text: l.text.replace(/\s+/g, " ").trim() }))
    .filter((l) => l.text !== "");
}

/**
 * Lines to paragraphs: a gap clearly wider than the page's usual line spacing,
 * a jump up (next column) or a change of font size (a heading) starts a new
 * paragraph. Within one, a wrapped line (nearly as wide as the widest line,
 * or stopping mid-sentence before a lower-case word) continues into the next,
 * so sentences are whole again; a short line keeps its break.
 */
function paragraphs(lines: Line[], pageLeft: number, pageRight: number): string {
  if (lines.length === 0) return "";
  const gaps = lines
    .slice(1)
    .map((line, i) => lines[i]!.y - line.y)
    .filter((gap, i) => gap > 0 && gap < lines[i]!.size * 3)
    .sort((a, b) => a - b);
  // Lower quartile: paragraph gaps must not count as the usual spacing on a short page.
  const usualGap = gaps[Math.floor((gaps.length - 1) / 4)];
  const left = Math.min(...lines.map((l) => l.startX));
  const widest = Math.max(...lines.map((l) => l.endX - l.startX));
  // A page of only short lines has nothing wrapped: "long" is also measured against the
  // page's text width (margins assumed symmetric).
  const textWidth = pageRight - left - (left - pageLeft);
  const longLine = Math.max(widest * 0.7, textWidth * 0.4);

  let out = lines[0]!.text;
  for (let i = 1; i < lines.length; i++) {
    const previous = lines[i - 1]!;
    const line = lines[i]!;
    const gap = previous.y - line.y;
    const newParagraph =
      gap <= 0 ||
      gap > (usualGap ?? previous.size * 1.2) * 1.5 ||
      Math.abs(line.size - previous.size) > previous.size * 0.15;
    const wrapped =
      previous.endX - previous.startX >= longLine ||
      (!/[.!?:;]$/.test(previous.text) && /^\p{Ll}/u.test(line.text));
    out += newParagraph ? "\n\n" : !wrapped ? "\n" : hyphenated(previous.text, line.text) ? "" : " ";
    out += line.text;
  }
  return out;
}

/** "well-" at a line end followed by "known": the words join without a space. */
function hyphenated(line: string, next: string): boolean {
  return /\p{L}-$/u.test(line) && /^\p{Ll}/u.test(next);
}
