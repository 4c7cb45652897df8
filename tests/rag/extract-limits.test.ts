import { afterEach, describe, expect, it } from "vitest";
import { extractDocument, ExtractionError } from "../../lib/rag/extract";
import { decodeFilter } from "../../lib/rag/extract/pdf-filters";
import { closeExtractionThreads } from "../../lib/rag/extract/thread-pool";
import { deflateSync } from "node:zlib";
import { makeFlateBombPdf, makeInflatingPdf, makeLongPdf, makePdf } from "../helpers/documents";

const MB = 1024 * 1024;
const LIMITS = ["KB_PDF_MAX_PAGES", "KB_PDF_MAX_PAGE_MB", "KB_PDF_MAX_TOTAL_MB", "KB_EXTRACT_TIMEOUT_SECONDS", "KB_EXTRACT_MAX_MEMORY_MB"];

async function failure(bytes: Uint8Array): Promise<ExtractionError> {
  const error = await extractDocument(bytes, "pdf").catch((e: unknown) => e);
  if (error instanceof ExtractionError) return error;
  throw new Error(`expected an ExtractionError, got ${error instanceof Error ? error.message : String(error)}`);
}

/** A normal document still reads: the thread that was stopped has been replaced. */
async function readsNormally() {
  const document = await extractDocument(makeLongPdf(2), "pdf");
  expect(document.pages).toHaveLength(2);
}

describe("extraction limits", () => {
  afterEach(async () => {
    for (const name of LIMITS) delete process.env[name];
    await closeExtractionThreads();
  });

  it("refuses the flate bomb (a 300 KB PDF whose page inflates to 100 MB) at the default limit, naming the page", async () => {
    const bomb = makeFlateBombPdf();
    expect(bomb.length).toBeLessThan(MB);
    expect((await failure(bomb)).message).toBe(
      "This PDF's page 2 expands to more than 32 MB of content; Parley stops at 32 MB per page. Split or re-save the PDF.",
    );
  });

  it("applies KB_PDF_MAX_PAGE_MB to the sum of a page's content streams", async () => {
    process.env.KB_PDF_MAX_PAGE_MB = "1";
    expect((await failure(makeInflatingPdf([1000, 1000, 2 * MB]))).message).toBe(
      "This PDF's page 3 expands to more than 1 MB of content; Parley stops at 1 MB per page. Split or re-save the PDF.",
    );
    // Two streams of 0.6 MB: each is under the limit, the page is not.
    expect((await failure(makeInflatingPdf([1000, [0.6 * MB, 0.6 * MB]]))).message).toMatch(/^This PDF's page 2 expands to more than 1 MB/);
    const fits = await extractDocument(makeInflatingPdf([1000, [0.4 * MB, 0.4 * MB]]), "pdf");
    expect(fits.text).toMatch(/^Page 1\./);
  });

  it("applies KB_PDF_MAX_TOTAL_MB to the whole document", async () => {
    process.env.KB_PDF_MAX_PAGE_MB = "1";
    process.env.KB_PDF_MAX_TOTAL_MB = "2";
    expect((await failure(makeInflatingPdf([0.8 * MB, 0.8 * MB, 0.8 * MB]))).message).toBe(
      "This PDF expands to more than 2 MB of content in total; Parley stops at 2 MB per document. Split it into smaller PDFs.",
    );
    expect((await extractDocument(makeInflatingPdf([0.8 * MB, 0.8 * MB]), "pdf")).pages).toHaveLength(2);
  });

  it("applies KB_PDF_MAX_PAGES before reading any page", async () => {
    process.env.KB_PDF_MAX_PAGES = "3";
    const progress: number[] = [];
    const error = await extractDocument(makePdf(["one", "two", "three", "four"]), "pdf", { onProgress: (f) => progress.push(f) }).catch(
      (e: Error) => e,
    );
    expect(error).toEqual(new ExtractionError("This PDF has 4 pages; Parley reads at most 3 pages of one PDF. Split it into smaller PDFs."));
    expect(progress).toEqual([]);
    expect((await extractDocument(makePdf(["one", "two", "three"]), "pdf")).pages).toHaveLength(3);
  });

  it("stops a document that takes longer than KB_EXTRACT_TIMEOUT_SECONDS, and the next one reads", async () => {
    // Under a raised page limit the bomb reaches pdfjs, which needs ~20 s for it.
    process.env.KB_PDF_MAX_PAGE_MB = "200";
    process.env.KB_PDF_MAX_TOTAL_MB = "200";
    process.env.KB_EXTRACT_MAX_MEMORY_MB = "4096";
    process.env.KB_EXTRACT_TIMEOUT_SECONDS = "1";
    expect((await failure(makeFlateBombPdf())).message).toBe(
      "Reading this document took longer than 1 s, Parley's limit, so it was stopped. Split it into smaller files or re-save it, then upload it again.",
    );
    delete process.env.KB_EXTRACT_TIMEOUT_SECONDS;
    await readsNormally();
  });

  it("stops a document that needs more heap than KB_EXTRACT_MAX_MEMORY_MB, and the next one reads", async () => {
    process.env.KB_PDF_MAX_PAGE_MB = "200";
    process.env.KB_PDF_MAX_TOTAL_MB = "200";
    process.env.KB_EXTRACT_MAX_MEMORY_MB = "64";
    expect((await failure(makeFlateBombPdf())).message).toBe(
      "Reading this document needed more than 64 MB of memory, Parley's limit, so it was stopped. Split it into smaller files or re-save it, then upload it again.",
    );
    await readsNormally();
    delete process.env.KB_EXTRACT_MAX_MEMORY_MB;
    await readsNormally();
  }, 120_000);

  it("inflates no further than the cap", async () => {
    const stream = deflateSync(Buffer.alloc(64 * MB, "BT (x) Tj ET\n"));
    const capped = await decodeFilter("FlateDecode", stream, MB);
    expect(capped.exceeded).toBe(true);
    expect(capped.bytes.length).toBeLessThanOrEqual(MB);
    const whole = await decodeFilter("FlateDecode", stream, 64 * MB);
    expect(whole).toMatchObject({ exceeded: false });
    expect(whole.bytes.length).toBe(64 * MB);
  });
});
