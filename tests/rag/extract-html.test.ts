import { describe, expect, it } from "vitest";
import { chunkDocument } from "../../lib/rag/chunk";
import { extractDocument, ExtractionError, htmlToText } from "../../lib/rag/extract";

const utf8 = (text: string) => new TextEncoder().encode(text);

const PAGE = `<!DOCTYPE html>
<html><head><title>Ignored title</title>
<style>.secret { color: red }</style>
<script>var secret = "never index this";</script></head>
<body><noscript>Please enable JavaScript</noscript>
<h1>Release&nbsp;notes</h1>
<p>The first   paragraph
   spans source lines &amp; has entities &lt;ok&gt;.</p>
<h2>Changes</h2>
<ul><li>Faster <b>search</b></li><li>Fixes<ul><li>Nested item</li></ul></li></ul>
<p>Line one<br>Line two</p>
<table><tr><th>Name</th><th>Size</th></tr><tr><td><p>alpha</p></td><td>3 MB</td></tr></table>
<template><p>template content</p></template>
<div>Closing words.</div>
</body></html>`;

describe("HTML to text", () => {
  it("keeps headings, paragraphs, lists, line breaks and tables; drops scripts and styles", async () => {
    const { text } = await extractDocument(utf8(PAGE), "html");
    expect(text).toBe(
      [
        "# Release notes",
        "The first paragraph spans source lines & has entities <ok>.",
        "## Changes",
        "- Faster search\n- Fixes\n  - Nested item",
        "Line one\nLine two",
        "Name | Size\nalpha | 3 MB",
        "Closing words.",
      ].join("\n\n"),
    );
    expect(text).not.toMatch(/secret|JavaScript|template content|Ignored title/);
    expect(chunkDocument({ text }).find((c) => c.text.includes("Nested item"))?.headingPath).toEqual([
      "Release notes",
      "Changes",
    ]);
  });

  it("uses the <title> as the top heading only when there is no h1", () => {
    expect(htmlToText("<title>User guide</title><h2>Setup</h2><p>Install it.</p>")).toBe(
      "# User guide\n\n## Setup\n\nInstall it.",
    );
  });

  it("keeps the white space of <pre> blocks", () => {
    expect(htmlToText("<p>Run:</p><pre>npm install\n  --save-dev   vitest</pre>")).toBe(
      "Run:\n\nnpm install\n  --save-dev   vitest",
    );
  });

  it("finds no text in a page that is only script", async () => {
    await expect(extractDocument(utf8("<html><script>alert(1)</script></html>"), "html")).rejects.toThrow(
      new ExtractionError("No text found in the document"),
    );
  });
});

describe("Markdown and plain text", () => {
  it("keeps Markdown as is, without a BOM and with LF line ends", async () => {
    const { text } = await extractDocument(utf8("\uFEFF# Title\r\n\r\nBody text.\rNext line.\r\n"), "markdown");
    expect(text).toBe("# Title\n\nBody text.\nNext line.\n");
  });

  it("treats plain text the same way", async () => {
    expect((await extractDocument(utf8("one\r\ntwo"), "text")).text).toBe("one\ntwo");
  });

  it("finds no text in white space", async () => {
    await expect(extractDocument(utf8(" \r\n\t\n"), "text")).rejects.toThrow(
      new ExtractionError("No text found in the document"),
    );
  });
});
