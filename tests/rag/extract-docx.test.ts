import JSZip from "jszip";
import { afterEach, describe, expect, it, vi } from "vitest";
import { chunkDocument } from "../../lib/rag/chunk";
import { extractDocument, ExtractionError, inspectUpload, UnsupportedDocumentError } from "../../lib/rag/extract";
import { readDocument } from "../../lib/rag/extract/read";
import { makeDocx, makeZipBomb } from "../helpers/documents";

// mammoth keeps working, but every call is recorded: the zip-bomb tests prove it is never reached.
// The mock lives in this thread, so those tests also read each document here (readDocument, the
// code the extraction thread runs) besides through extractDocument (the thread itself).
const convertToHtml = vi.hoisted(() => vi.fn());
vi.mock("mammoth", async (importOriginal) => {
  const actual = await importOriginal<{ default: typeof import("mammoth") }>();
  convertToHtml.mockImplementation(actual.default.convertToHtml);
  return { default: { ...actual.default, convertToHtml } };
});

const MB = 1024 * 1024;
const PDF_LIMITS = { maxPages: 100, maxPageBytes: MB, maxTotalBytes: MB };

async function extractionFailure(bytes: Uint8Array): Promise<ExtractionError> {
  const error = await extractDocument(bytes, "docx").catch((e: unknown) => e);
  const here = await readDocument(bytes, "docx", PDF_LIMITS).catch((e: unknown) => e);
  if (!(error instanceof ExtractionError)) throw new Error(`expected an ExtractionError, got ${String(error)}`);
  expect(here).toEqual(error);
  return error;
}

function uploadFailure(bytes: Uint8Array): UnsupportedDocumentError {
  try {
    inspectUpload(bytes, "report.docx");
  } catch (error) {
    if (error instanceof UnsupportedDocumentError) return error;
    throw error;
  }
  throw new Error("the upload was accepted");
}

describe("DOCX extraction", () => {
  afterEach(() => {
    convertToHtml.mockClear();
  });

  it("turns Word headings into Markdown headings the chunker follows", async () => {
    const docx = await makeDocx([
      { heading: 1, text: "Installation" },
      { text: "Download the installer & run it." },
      { heading: 2, text: "Requirements" },
      { text: "Node 24 or newer.\nA PostgreSQL server." },
      { heading: 1, text: "Usage" },
      { text: "Start the server." },
    ]);
    const document = await extractDocument(docx, "docx");
    expect(await readDocument(docx, "docx", PDF_LIMITS)).toEqual(document);
    expect(document.text).toBe(
      [
        "# Installation",
        "Download the installer & run it.",
        "## Requirements",
        "Node 24 or newer.\nA PostgreSQL server.",
        "# Usage",
        "Start the server.",
      ].join("\n\n"),
    );
    const chunks = chunkDocument(document);
    expect(chunks.find((c) => c.text.includes("PostgreSQL"))?.headingPath).toEqual(["Installation", "Requirements"]);
    expect(chunks.find((c) => c.text.includes("Start the server"))?.headingPath).toEqual(["Usage"]);
    expect(convertToHtml).toHaveBeenCalledTimes(1);
  });

  it("says a DOCX whose document part is not XML is damaged", async () => {
    const zip = new JSZip();
    zip.file("[Content_Types].xml", "<Types/>");
    zip.file("word/document.xml", "this is << not xml");
    const error = await extractionFailure(await zip.generateAsync({ type: "uint8array", compression: "DEFLATE" }));
    expect(error.message).toMatch(/^The DOCX is damaged and cannot be read/);
  });

  it("finds no text in a document with no paragraphs", async () => {
    const error = await extractionFailure(await makeDocx([]));
    expect(error.message).toBe("No text found in the document");
  });
});

describe("DOCX zip-bomb defence (from the zip directory, before anything is decompressed)", () => {
  it("refuses a document claiming 10 GB at upload (413) and at extraction, without reaching mammoth", async () => {
    const bomb = makeZipBomb({ claimedBytes: 10 * 1024 * MB });
    const started = performance.now();
    const upload = uploadFailure(bomb);
    expect(upload.status).toBe(413);
    expect(upload.message).toBe("DOCX would expand to 10240 MB (limit 200 MB)");
    const extraction = await extractionFailure(bomb);
    expect(extraction.message).toBe("DOCX would expand to 10240 MB (limit 200 MB)");
    expect(performance.now() - started).toBeLessThan(500);
    expect(convertToHtml).not.toHaveBeenCalled();
  });

  it("refuses an entry with a bomb-like compression ratio even under the size limit (422)", async () => {
    const bomb = makeZipBomb({ claimedBytes: 150 * MB });
    const upload = uploadFailure(bomb);
    expect(upload.status).toBe(422);
    expect(upload.message).toMatch(/^DOCX entry word\/document\.xml claims a compression ratio of \d+:1 \(limit 200:1\)/);
    expect((await extractionFailure(bomb)).message).toBe(upload.message);
    expect(convertToHtml).not.toHaveBeenCalled();
  });

  it("refuses a document with more entries than KB_DOCX_MAX_ENTRIES (422)", async () => {
    const bomb = makeZipBomb({ claimedBytes: 1 * MB, extraEntries: 5001 });
    const upload = uploadFailure(bomb);
    expect(upload.status).toBe(422);
    expect(upload.message).toBe("The archive holds 5004 files (limit 5000)");
    expect((await extractionFailure(bomb)).message).toBe(upload.message);
    expect(convertToHtml).not.toHaveBeenCalled();
  });

  it("catches a directory that understates sizes before mammoth inflates the entry", async () => {
    const liar = makeZipBomb({ claimedBytes: 1000, actualBytes: 5 * MB });
    expect(inspectUpload(liar, "report.docx")).toEqual({ kind: "docx" }); // the directory alone looks harmless
    const error = await extractionFailure(liar);
    expect(error.message).toBe("The DOCX is damaged (word/document.xml expands beyond the size its directory claims)");
    expect(convertToHtml).not.toHaveBeenCalled();
  });

  it("reads a ZIP64 directory with more than 65535 entries", () => {
    const bomb = makeZipBomb({ claimedBytes: 1 * MB, extraEntries: 70_000 });
    expect(uploadFailure(bomb).message).toBe("The archive holds 70003 files (limit 5000)");
  });
});
