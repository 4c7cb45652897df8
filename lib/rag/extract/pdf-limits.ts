import { decodeFilter, type Decoded } from "./pdf-filters";
import { nameOf, readObjectStream, readPdfObjects, resolve, type PdfFile, type PdfStream, type PdfValue } from "./pdf-objects";
import { ExtractionError } from "./types";
import { megabytes } from "./zip";

/**
 * pdfjs decodes a page's content streams in full before it reads them and
 * has no size limit: a 300 KB file whose page inflates to 100 MB kept it busy
 * for tens of seconds and used gigabytes. It cannot be capped from outside,
 * so before pdfjs sees a PDF, this check decodes every stream pdfjs could
 * read for text (content streams, forms, fonts, object streams; not images or
 * attachments) with node:zlib told where to stop, and refuses the document
 * as soon as a page or the whole file would expand beyond the limits.
 *
 * Encrypted PDFs cannot be decoded here; for them (and for what pdfjs does
 * with forms drawn many times) the extraction thread's time and memory
 * limits are the bound.
 */

export interface PdfLimits {
  maxPages: number;
  maxPageBytes: number;
  maxTotalBytes: number;
}

export async function checkPdfLimits(bytes: Uint8Array, limits: PdfLimits, signal?: AbortSignal): Promise<void> {
  const file = readPdfObjects(bytes);
  if (file.trailers.some((trailer) => trailer.has("Encrypt"))) return;
  const budget = new Budget(limits);

  // Page objects may be packed in object streams: those are decoded (and counted) first.
  const measured = new Set<PdfStream>();
  for (const stream of file.streams) {
    if (nameOf(stream.dict.get("Type")) !== "ObjStm") continue;
    signal?.throwIfAborted();
    const decoded = budget.take(await decodeStream(file, stream, budget.room()), "an object stream");
    measured.add(stream);
    for (const { num, value } of readObjectStream(stream.dict, decoded.bytes, file.objects)) {
      if (!file.objects.has(num)) file.objects.set(num, value);
    }
  }

  const pages = pageContents(file);
  if (pages.length > limits.maxPages) throw tooManyPages(pages.length, limits.maxPages);
  const pageOf = new Map<number, number>();
  pages.forEach((contents, i) => contents.forEach((num) => pageOf.has(num) || pageOf.set(num, i + 1)));

  const sizes = new Map<number, number>();
  for (const stream of file.streams) {
    if (measured.has(stream) || (!pageOf.has(stream.num) && notReadForText(stream.dict))) continue;
    signal?.throwIfAborted();
    const page = pageOf.get(stream.num);
    const decoded = budget.take(await decodeStream(file, stream, budget.room()), page ? `page ${page}` : "an object");
    sizes.set(stream.num, Math.max(sizes.get(stream.num) ?? 0, decoded.bytes.length));
  }
  pages.forEach((contents, i) => {
    // The same stream listed twice in /Contents is read twice.
    const size = contents.reduce((sum, num) => sum + (sizes.get(num) ?? 0), 0);
    if (size > limits.maxPageBytes) throw pageTooLarge(`page ${i + 1}`, limits.maxPageBytes);
  });
}

/** What is left of the per-document limit, and which limit a stream that does not fit breaks. */
class Budget {
  private used = 0;
  private readonly limits: PdfLimits;

  constructor(limits: PdfLimits) {
    this.limits = limits;
  }

  room(): number {
    return Math.min(this.limits.maxPageBytes, this.limits.maxTotalBytes - this.used);
  }

  take(decoded: Decoded, what: string): Decoded {
    if (decoded.exceeded) {
      if (this.limits.maxTotalBytes - this.used < this.limits.maxPageBytes) throw documentTooLarge(this.limits.maxTotalBytes);
      throw pageTooLarge(what, this.limits.maxPageBytes);
    }
    this.used += decoded.bytes.length;
    return decoded;
  }
}

export function tooManyPages(pages: number, limit: number): ExtractionError {
  return new ExtractionError(`This PDF has ${pages} pages; Parley reads at most ${limit} pages of one PDF. Split it into smaller PDFs.`);
}

function pageTooLarge(what: string, limit: number): ExtractionError {
  const subject = what.startsWith("page") ? `This PDF's ${what}` : `This PDF holds ${what} that`;
  return new ExtractionError(
    `${subject} expands to more than ${megabytes(limit)} MB of content; Parley stops at ${megabytes(limit)} MB per page. Split or re-save the PDF.`,
  );
}

function documentTooLarge(limit: number): ExtractionError {
  return new ExtractionError(
    `This PDF expands to more than ${megabytes(limit)} MB of content in total; Parley stops at ${megabytes(limit)} MB per document. Split it into smaller PDFs.`,
  );
}

/** Images and attachments: pdfjs never decodes them to extract text. */
function notReadForText(dict: Map<string, PdfValue>): boolean {
  return nameOf(dict.get("Subtype")) === "Image" || nameOf(dict.get("Type")) === "EmbeddedFile";
}

/** A stream through its filters in order, each step capped. */
async function decodeStream(file: PdfFile, stream: PdfStream, cap: number): Promise<Decoded> {
  const filter = resolve(file.objects, stream.dict.get("Filter"));
  const params = resolve(file.objects, stream.dict.get("DecodeParms") ?? stream.dict.get("DP"));
  const filters = filter?.type === "array" ? filter.items.map((item) => resolve(file.objects, item)) : [filter];
  let decoded: Decoded = { bytes: stream.data, exceeded: stream.data.length > cap };
  for (const [i, step] of filters.entries()) {
    const name = nameOf(step);
    if (!name || decoded.exceeded) continue;
    const param = resolve(file.objects, params?.type === "array" ? params.items[i] : params);
    const early = param?.type === "dict" ? resolve(file.objects, param.entries.get("EarlyChange")) : undefined;
    decoded = await decodeFilter(name, decoded.bytes, cap, early?.type === "number" ? early.value : 1);
  }
  return decoded;
}

/**
 * Each page's content streams (object numbers, in /Contents order), pages in
 * document order from the catalog's page tree; without a readable tree, every
 * /Type /Page object in number order.
 */
function pageContents(file: PdfFile): number[][] {
  const { objects } = file;
  const rootRef = file.trailers.map((trailer) => trailer.get("Root")).findLast((root) => root !== undefined);
  let catalog = resolve(objects, rootRef);
  if (catalog?.type !== "dict") catalog = [...objects.values()].find((v) => v.type === "dict" && nameOf(v.entries.get("Type")) === "Catalog");
  const pages: number[][] = [];
  const seen = new Set<PdfValue>();
  const visit = (node: PdfValue | undefined, depth: number) => {
    const dict = resolve(objects, node);
    if (dict?.type !== "dict" || seen.has(dict) || depth > 64) return;
    seen.add(dict);
    const kids = resolve(objects, dict.entries.get("Kids"));
    if (kids?.type === "array" && nameOf(dict.entries.get("Type")) !== "Page") {
      for (const kid of kids.items) visit(kid, depth + 1);
    } else {
      pages.push(contentRefs(file, dict.entries.get("Contents")));
    }
  };
  if (catalog?.type === "dict") visit(catalog.entries.get("Pages"), 0);
  if (pages.length > 0) return pages;
  return [...objects.entries()]
    .filter(([, value]) => value.type === "dict" && nameOf(value.entries.get("Type")) === "Page")
    .sort(([a], [b]) => a - b)
    .map(([, value]) => contentRefs(file, (value as { entries: Map<string, PdfValue> }).entries.get("Contents")));
}

function contentRefs(file: PdfFile, contents: PdfValue | undefined): number[] {
  if (contents?.type === "ref") {
    const target = file.objects.get(contents.num);
    if (target?.type === "array") return contentRefs(file, target);
    return [contents.num];
  }
  if (contents?.type === "array") return contents.items.flatMap((item) => (item.type === "ref" ? [item.num] : []));
  return [];
}
