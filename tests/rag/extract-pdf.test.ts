import { describe, expect, it } from "vitest";
import { chunkDocument } from "../../lib/rag/chunk";
import { extractDocument, ExtractionError } from "../../lib/rag/extract";
import { longPdfPageText, makeLongPdf, makePdf } from "../helpers/documents";

const LONG_SENTENCE =
  "This opening sentence is deliberately long so that the PDF writer has to wrap it over several lines, " +
  "and the extractor has to put it back together into one line of text.";

describe("PDF extraction", () => {
  it("joins pages with a blank line and records each page's 1-based character range", async () => {
    const pages = ["Alpha page talks about apples.", "Bravo page talks about bananas.", "Charlie page talks about cherries."];
    const document = await extractDocument(makePdf(pages), "pdf");
    expect(document.text).toBe(pages.join("\n\n"));
    expect(document.pages?.map((p) => p.page)).toEqual([1, 2, 3]);
    const [, second] = document.pages!;
    expect(document.text.slice(second!.start, second!.end)).toBe("Bravo page talks about bananas.");

    const chunks = chunkDocument(document, { maxTokens: 8, overlapTokens: 0 });
    expect(chunks.find((c) => c.text.includes("bananas"))?.page).toBe(2);
  });

  it("rebuilds wrapped sentences, paragraphs and short lines", async () => {
    const page = `${LONG_SENTENCE}\n\nSecond paragraph starts here.\nA short line.\nAnother short line.`;
    const { text } = await extractDocument(makePdf([page]), "pdf");
    expect(text).toBe(`${LONG_SENTENCE}\n\nSecond paragraph starts here.\nA short line.\nAnother short line.`);
  });

  it("decodes escaped PDF strings", async () => {
    const { text } = await extractDocument(makePdf(["Costs (estimated) are 5\\6 of the total."]), "pdf");
    expect(text).toBe("Costs (estimated) are 5\\6 of the total.");
  });

  it("reads long prose pages back exactly", async () => {
    const document = await extractDocument(makeLongPdf(3), "pdf");
    const third = document.pages![2]!;
    expect(document.text.slice(third.start, third.end)).toBe(longPdfPageText(3));
    expect(longPdfPageText(3)).toMatch(/^Page 3 covers /);
  });

  it("reports progress per page", async () => {
    const progress: number[] = [];
    await extractDocument(makePdf(["one", "two", "three", "four"]), "pdf", { onProgress: (f) => progress.push(f) });
    expect(progress).toEqual([0.25, 0.5, 0.75, 1]);
  });

  it("says a password-protected PDF is password-protected", async () => {
    await expect(extractDocument(makePdf(["Secret plans."], { encrypted: true }), "pdf")).rejects.toThrow(
      new ExtractionError("The PDF is password-protected; remove the password and upload it again"),
    );
  });

  it("says a truncated PDF is damaged", async () => {
    const pdf = makePdf(["Some text on page one.", "More text on page two."]);
    const error = await extractDocument(pdf.slice(0, Math.floor(pdf.length / 2)), "pdf").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ExtractionError);
    expect((error as Error).message).toMatch(/^The PDF is damaged/);
  });

  it("says an image-only PDF has no text layer", async () => {
    await expect(extractDocument(makePdf(["a scan", "another scan"], { imageOnly: true }), "pdf")).rejects.toThrow(
      new ExtractionError("The PDF has no text layer (scanned or image-only); OCR is not supported"),
    );
  });

  it("stops between pages when the signal is aborted", async () => {
    const controller = new AbortController();
    const progress: number[] = [];
    const reason = new Error("ingestion cancelled");
    const run = extractDocument(makeLongPdf(20), "pdf", {
      signal: controller.signal,
      onProgress: (fraction) => {
        progress.push(fraction);
        if (progress.length === 2) controller.abort(reason);
      },
    });
    await expect(run).rejects.toBe(reason);
    expect(progress).toEqual([1 / 20, 2 / 20]);
  });

  it("does not start when the signal is already aborted", async () => {
    const controller = new AbortController();
    controller.abort();
    const error = await extractDocument(makePdf(["x"]), "pdf", { signal: controller.signal }).catch((e: unknown) => e);
    expect((error as Error).name).toBe("AbortError");
  });
});
