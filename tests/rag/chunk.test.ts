import { describe, expect, it } from "vitest";
import { estimateTokens } from "../../lib/chat/context";
import { chunkDocument, type ExtractedDocument } from "../../lib/rag/chunk";

const sentence = (i: number) => `Sentence number ${i} says something about topic ${i % 7}.`;
const paragraph = (from: number, n: number) => Array.from({ length: n }, (_, i) => sentence(from + i)).join(" ");

const MANUAL = [
  "# Installation",
  paragraph(0, 12),
  "",
  "## Requirements",
  paragraph(100, 20),
  "",
  "# Usage",
  "Run it. " + paragraph(200, 6),
].join("\n");

function words(text: string) {
  return text.split(/\s+/).filter(Boolean);
}

describe("chunkDocument", () => {
  const chunks = chunkDocument({ text: MANUAL }, { maxTokens: 80, overlapTokens: 20 });

  it("makes every passage an exact slice of the document", () => {
    expect(chunks.length).toBeGreaterThan(3);
    for (const chunk of chunks) {
      expect(chunk.text).toBe(MANUAL.slice(chunk.start, chunk.end));
      expect(chunk.text).toBe(chunk.text.trim());
    }
  });

  it("keeps passages within the token budget", () => {
    for (const chunk of chunks) {
      expect(chunk.tokens).toBe(estimateTokens(chunk.text));
      expect(chunk.tokens).toBeLessThanOrEqual(80);
    }
  });

  it("never lets a passage span two sections, and records the heading path", () => {
    const paths = chunks.map((c) => c.headingPath.join(" > "));
    expect(paths).toContain("Installation");
    expect(paths).toContain("Installation > Requirements");
    expect(paths).toContain("Usage");
    for (const chunk of chunks) {
      const headings = chunk.text.split("\n").filter((line) => line.startsWith("#"));
      expect(headings.length).toBeLessThanOrEqual(1);
      if (headings.length === 1) expect(chunk.text.startsWith(headings[0]!)).toBe(true);
    }
    const usage = chunks.filter((c) => c.headingPath.join() === "Usage");
    expect(usage[0]!.text.startsWith("# Usage")).toBe(true);
    expect(usage.every((c) => !c.text.includes("Requirements"))).toBe(true);
  });

  it("overlaps neighbours in a section by whole sentences within the overlap budget", () => {
    const requirements = chunks.filter((c) => c.headingPath.at(-1) === "Requirements");
    expect(requirements.length).toBeGreaterThan(2);
    for (let i = 1; i < requirements.length; i++) {
      const previous = requirements[i - 1]!;
      const chunk = requirements[i]!;
      expect(chunk.start).toBeLessThan(previous.end);
      const shared = MANUAL.slice(chunk.start, previous.end);
      expect(estimateTokens(shared)).toBeLessThanOrEqual(20);
      expect(shared).toMatch(/^Sentence number \d+ .*\.$/);
    }
    // No overlap across a heading.
    const firstUsage = chunks.find((c) => c.headingPath.join() === "Usage")!;
    const beforeIt = chunks[chunks.indexOf(firstUsage) - 1]!;
    expect(firstUsage.start).toBeGreaterThanOrEqual(beforeIt.end);
  });

  it("covers every word of the document", () => {
    const covered = new Set<number>();
    for (const chunk of chunks) for (let i = chunk.start; i < chunk.end; i++) covered.add(i);
    let offset = 0;
    for (const word of words(MANUAL)) {
      const at = MANUAL.indexOf(word, offset);
      offset = at + word.length;
      expect(covered.has(at), `"${word}" at ${at}`).toBe(true);
    }
  });

  it("does not end a sentence inside 'e.g.' or a decimal number", () => {
    const text = "Use a small model, e.g. one with 0.5 billion parameters. It fits in 1.2 GB of memory. Done.";
    const tiny = chunkDocument({ text }, { maxTokens: 22, overlapTokens: 0 });
    expect(tiny.map((c) => c.text)).toEqual([
      "Use a small model, e.g. one with 0.5 billion parameters.",
      "It fits in 1.2 GB of memory. Done.",
    ]);
  });

  it("loses no text around awkward punctuation", () => {
    const text = "See parley.dev/docs... Version 2.0.1 (i.e. the latest) works! Why?! No final period here\nv1.x.y rules";
    for (const maxTokens of [8, 12, 20, 60]) {
      const pieces = chunkDocument({ text }, { maxTokens, overlapTokens: 0 });
      const seen = pieces.map((c) => c.text).join(" ");
      expect(words(seen), `maxTokens ${maxTokens}`).toEqual(words(text));
    }
  });

  it("splits a sentence longer than the budget at word boundaries", () => {
    const text = Array.from({ length: 200 }, (_, i) => `word${i}`).join(" ") + ".";
    const pieces = chunkDocument({ text }, { maxTokens: 40, overlapTokens: 0 });
    expect(pieces.length).toBeGreaterThan(5);
    expect(pieces.every((c) => c.tokens <= 40)).toBe(true);
    expect(pieces.map((c) => c.text).join(" ")).toBe(text);
  });

  it("records the pages a passage comes from", () => {
    const page1 = paragraph(0, 6);
    const page2 = paragraph(50, 6);
    const document: ExtractedDocument = {
      text: `${page1}\n${page2}`,
      pages: [
        { page: 1, start: 0, end: page1.length + 1 },
        { page: 2, start: page1.length + 1, end: page1.length + 1 + page2.length },
      ],
    };
    const paged = chunkDocument(document, { maxTokens: 60, overlapTokens: 0 });
    expect(paged[0]!.page).toBe(1);
    expect(paged.at(-1)!.page).toBe(2);
    for (const chunk of paged) {
      expect(chunk.pageEnd).toBeGreaterThanOrEqual(chunk.page!);
      if (chunk.end <= page1.length) expect(chunk.pageEnd).toBe(1);
    }
  });

  it("returns nothing for an empty document", () => {
    expect(chunkDocument({ text: "" })).toEqual([]);
    expect(chunkDocument({ text: "  \n\n \n" })).toEqual([]);
  });
});
