import { afterEach, describe, expect, it } from "vitest";
import { classifyImage, classifyLink, isAllowedImageHost } from "../../components/chat/markdown-urls";
import { config } from "../../lib/config";

const here = { imageHosts: ["images.example.com", "cdn.example.org:8443"], origin: "https://parley.example" };

describe("images in answers", () => {
  it("never loads an image from a host that is not allowed: a placeholder names its host", () => {
    expect(classifyImage("https://evil.example/pixel.png?chat=secret%20text", here)).toEqual({
      kind: "placeholder",
      href: "https://evil.example/pixel.png?chat=secret%20text",
      host: "evil.example",
    });
    // Ports, user info and upper case do not hide the host.
    expect(classifyImage("HTTP://user:pw@Evil.Example:8080/x.png", here)).toMatchObject({ kind: "placeholder", host: "evil.example:8080" });
    // Protocol-relative and backslash tricks are other hosts too, not Parley's.
    expect(classifyImage("//evil.example/x.png", here)).toMatchObject({ kind: "placeholder", host: "evil.example" });
    expect(classifyImage("/\\evil.example/x.png", here)).toMatchObject({ kind: "placeholder", host: "evil.example" });
    // Look-alike hosts show as what the browser would contact (punycode), and suffixes do not match.
    expect(classifyImage("https://images.example.com.evil.example/x.png", here)).toMatchObject({ kind: "placeholder" });
    const lookAlike = classifyImage("https://ımages.example.com/x.png", here);
    expect(lookAlike).toMatchObject({ kind: "placeholder" });
    expect(lookAlike.kind === "placeholder" && lookAlike.host).toMatch(/^xn--[a-z0-9-]+\.example\.com$/);
  });

  it("shows allowed hosts, Parley's own images and data: images inline", () => {
    expect(classifyImage("https://images.example.com/a.png", here)).toEqual({ kind: "inline", src: "https://images.example.com/a.png" });
    expect(classifyImage("http://IMAGES.example.com:8080/a.png", here)).toMatchObject({ kind: "inline" });
    expect(classifyImage("https://cdn.example.org:8443/a.png", here)).toMatchObject({ kind: "inline" });
    expect(classifyImage("https://parley.example/logo.png", here)).toMatchObject({ kind: "inline" });
    expect(classifyImage("/files/chart.png?v=2", here)).toEqual({ kind: "inline", src: "/files/chart.png?v=2" });
    expect(classifyImage("chart.png", { imageHosts: [], origin: null })).toEqual({ kind: "inline", src: "/chart.png" });
    const dot = "data:image/png;base64,iVBORw0KGgo=";
    expect(classifyImage(dot, here)).toEqual({ kind: "inline", src: dot });
  });

  it("an allowed host with a port allows that port only", () => {
    expect(classifyImage("https://cdn.example.org/a.png", here)).toMatchObject({ kind: "placeholder" });
    expect(isAllowedImageHost(new URL("https://cdn.example.org:8443/"), here.imageHosts)).toBe(true);
    expect(isAllowedImageHost(new URL("http://cdn.example.org:8443/"), here.imageHosts)).toBe(true);
    expect(isAllowedImageHost(new URL("https://cdn.example.org:9443/"), here.imageHosts)).toBe(false);
    expect(isAllowedImageHost(new URL("https://sub.images.example.com/"), here.imageHosts)).toBe(false);
  });

  it("an origin unknown yet (server rendering) treats Parley's absolute URLs like any other host", () => {
    expect(classifyImage("https://parley.example/logo.png", { ...here, origin: null })).toMatchObject({ kind: "placeholder" });
  });

  it("refuses addresses that are not web images", () => {
    for (const src of ["javascript:alert(1)", "data:text/html,<script>alert(1)</script>", "file:///etc/passwd", "blob:https://x/1", "ftp://x/a.png", "", "   ", "http://"]) {
      expect(classifyImage(src, here), src).toEqual({ kind: "refused" });
    }
  });
});

describe("links in answers", () => {
  it("shows the real host when the text says something else", () => {
    expect(classifyLink("https://evil.example/login", "your bank")).toEqual({
      kind: "link",
      href: "https://evil.example/login",
      target: "evil.example",
      showTarget: true,
    });
    // Text that looks like another address is the classic trick.
    expect(classifyLink("https://evil.example/", "https://bank.example/")).toMatchObject({ target: "evil.example", showTarget: true });
  });

  it("needs no badge when the text is the address itself", () => {
    expect(classifyLink("https://example.com", "https://example.com")).toMatchObject({ kind: "link", showTarget: false });
    expect(classifyLink("http://www.example.com", "www.example.com")).toMatchObject({ showTarget: false });
    expect(classifyLink("https://example.com/a/", "example.com/a")).toMatchObject({ showTarget: false });
    expect(classifyLink("mailto:ops@example.com", "ops@example.com")).toEqual({
      kind: "link",
      href: "mailto:ops@example.com",
      target: "ops@example.com",
      showTarget: false,
    });
  });

  it("refuses every scheme but http(s) and mailto, however it is spelled", () => {
    for (const href of ["javascript:alert(1)", " JavaScript:alert(1)", "java\tscript:alert(1)", "vbscript:msgbox(1)", "data:text/html,<b>x</b>", "file:///etc/passwd", "irc://x", "xmpp:x@y", ""]) {
      expect(classifyLink(href, "click"), JSON.stringify(href)).toEqual({ kind: "refused" });
    }
  });

  it("keeps in-page anchors (footnotes) and Parley's own pages as links", () => {
    expect(classifyLink("#user-content-fn-1", "1")).toEqual({ kind: "anchor", href: "#user-content-fn-1" });
    expect(classifyLink("/knowledge", "your knowledge base")).toEqual({ kind: "link", href: "/knowledge", target: "/knowledge", showTarget: true });
  });
});

describe("MARKDOWN_IMAGE_HOSTS", () => {
  const before = process.env.MARKDOWN_IMAGE_HOSTS;
  afterEach(() => {
    if (before === undefined) delete process.env.MARKDOWN_IMAGE_HOSTS;
    else process.env.MARKDOWN_IMAGE_HOSTS = before;
  });

  it("reads comma-separated host names, lowercased", () => {
    delete process.env.MARKDOWN_IMAGE_HOSTS;
    expect(config.chat.markdownImageHosts).toEqual([]);
    process.env.MARKDOWN_IMAGE_HOSTS = " Images.Example.com, cdn.example.org:8443 ,,";
    expect(config.chat.markdownImageHosts).toEqual(["images.example.com", "cdn.example.org:8443"]);
  });

  it("says what is wrong with an entry that is not a host name", () => {
    for (const entry of ["https://images.example.com", "images.example.com/path", "*.example.com", "a b", "'self' *"]) {
      process.env.MARKDOWN_IMAGE_HOSTS = entry;
      expect(() => config.chat.markdownImageHosts, entry).toThrow(/MARKDOWN_IMAGE_HOSTS lists host names/);
    }
  });
});
