import JSZip from "jszip";
import { afterEach, describe, expect, it } from "vitest";
import { inspectUpload, UnsupportedDocumentError } from "../../lib/rag/extract";
import { makeDocx, makePdf } from "../helpers/documents";

const utf8 = (text: string) => new TextEncoder().encode(text);
const PNG = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52]);

/** The UnsupportedDocumentError inspectUpload throws (fails the test if it does not). */
function rejection(bytes: Uint8Array, name: string): UnsupportedDocumentError {
  try {
    inspectUpload(bytes, name);
  } catch (error) {
    if (error instanceof UnsupportedDocumentError) return error;
    throw error;
  }
  throw new Error(`${name} was accepted`);
}

describe("inspectUpload decides the kind from content, not the name", () => {
  afterEach(() => {
    delete process.env.KB_MAX_FILE_BYTES;
  });

  it("takes a PDF named notes.txt as a PDF", () => {
    expect(inspectUpload(makePdf(["Hello"]), "notes.txt")).toEqual({ kind: "pdf" });
  });

  it("takes a DOCX named report.pdf as a DOCX", async () => {
    expect(inspectUpload(await makeDocx([{ text: "Hello" }]), "report.pdf")).toEqual({ kind: "docx" });
  });

  it("refuses a PNG named a.pdf with 415, naming what it is", () => {
    const error = rejection(PNG, "a.pdf");
    expect(error.status).toBe(415);
    expect(error.message).toBe("The file looks like a PNG image: not a supported type");
  });

  it("refuses random binary data with 415", () => {
    let seed = 42;
    const bytes = Uint8Array.from({ length: 4096 }, () => (seed = (seed * 1103515245 + 12345) >>> 0) >>> 24);
    const error = rejection(bytes, "data.txt");
    expect(error.status).toBe(415);
    expect(error.message).toMatch(/^The file is binary data/);
  });

  it("refuses UTF-16 and non-UTF-8 text with 415", () => {
    const utf16 = new Uint8Array([0xff, 0xfe, ...[..."Hello"].flatMap((c) => [c.charCodeAt(0), 0])]);
    expect(rejection(utf16, "a.txt").message).toContain("UTF-16 text (save it as UTF-8)");
    const latin1 = new Uint8Array([0x43, 0x61, 0x66, 0xe9, 0x20, 0x6f, 0x6b]); // "Café ok" in Latin-1
    expect(rejection(latin1, "a.txt").status).toBe(415);
  });

  it("does not mistake text that starts like a short binary signature for binary", () => {
    expect(inspectUpload(utf8("BMW service intervals are listed below."), "cars.txt")).toEqual({ kind: "text" });
    expect(inspectUpload(utf8("MZ-class trains run hourly."), "trains.txt")).toEqual({ kind: "text" });
  });

  it("refuses an empty file with 422", () => {
    const error = rejection(new Uint8Array(0), "empty.md");
    expect(error.status).toBe(422);
    expect(error.message).toBe("The file is empty");
  });

  it("refuses a file over KB_MAX_FILE_BYTES with 413", () => {
    process.env.KB_MAX_FILE_BYTES = "100";
    expect(inspectUpload(utf8("x".repeat(100)), "a.txt")).toEqual({ kind: "text" });
    const error = rejection(utf8("x".repeat(101)), "a.txt");
    expect(error.status).toBe(413);
    expect(error.message).toMatch(/^The file is .* MB \(limit .* MB\)$/);
  });

  it("refuses a zip that is not a Word document with 415", async () => {
    const zip = new JSZip();
    zip.file("notes/readme.txt", "hello");
    const error = rejection(await zip.generateAsync({ type: "uint8array" }), "archive.docx");
    expect(error.status).toBe(415);
    expect(error.message).toContain("not a Word document");
  });

  it("refuses a DOCX whose zip directory is cut off with 422", async () => {
    const docx = await makeDocx([{ text: "Hello" }]);
    const error = rejection(docx.slice(0, docx.length - 40), "a.docx");
    expect(error.status).toBe(422);
    expect(error.message).toMatch(/^The file is a damaged zip archive/);
  });

  it("tells HTML, Markdown and plain text apart", () => {
    const kind = (text: string, name: string) => inspectUpload(utf8(text), name).kind;
    expect(kind("<!DOCTYPE html><title>x</title><p>Hi</p>", "page.md")).toBe("html");
    expect(kind("<!-- saved page -->\n<HTML lang=en><p>Hi</p></HTML>", "page.txt")).toBe("html");
    expect(kind("\uFEFF<html><body>Hi</body></html>", "page.txt")).toBe("html");
    expect(kind("<div><p>Hello there</p><ul><li>one</li></ul></div>", "fragment")).toBe("html");
    expect(kind("# Title\n\nSome text.", "notes.txt")).toBe("markdown");
    expect(kind("Steps:\n\n- first\n- second\n", "notes.txt")).toBe("markdown");
    expect(kind("Run:\n\n```sh\nnpm test\n```\n", "notes")).toBe("markdown");
    expect(kind("Just a sentence.", "notes.md")).toBe("markdown");
    expect(kind("Just a sentence.\nAnother one, with 1. a number.", "notes.txt")).toBe("text");
    // A README with a centred logo in HTML is still Markdown.
    expect(kind("# Embedding\n\n```html\n<body><p>widget</p></body>\n```\n", "guide.md")).toBe("markdown");
    expect(kind('<p align="center"><img src="logo.png"></p>\n\n# Parley\n\n- chat\n- search\n', "README")).toBe("markdown");
  });
});
