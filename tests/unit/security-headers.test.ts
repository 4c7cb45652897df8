import { describe, expect, it } from "vitest";
import {
  API_CONTENT_SECURITY_POLICY,
  apiSecurityHeaders,
  imageHostSource,
  newNonce,
  pageContentSecurityPolicy,
  pageSecurityHeaders,
} from "../../lib/http/security-headers";

/** The policy as directive name -> sources. */
function parse(policy: string): Map<string, string[]> {
  return new Map(
    policy.split(";").map((directive) => {
      const [name, ...sources] = directive.trim().split(/\s+/);
      return [name!, sources];
    }),
  );
}

const production = { nonce: "abc123==", imageHosts: [], development: false };

describe("page Content-Security-Policy", () => {
  it("runs only scripts with this response's nonce: no inline script, no eval", () => {
    const script = parse(pageContentSecurityPolicy(production)).get("script-src")!;
    expect(script).toContain("'nonce-abc123=='");
    expect(script).toContain("'strict-dynamic'");
    expect(script).not.toContain("'unsafe-inline'");
    expect(script).not.toContain("'unsafe-eval'");
    // onnxruntime-web (the voice detector) compiles WebAssembly.
    expect(script).toContain("'wasm-unsafe-eval'");
  });

  it("cannot be framed, based elsewhere, or post forms off-site", () => {
    const policy = parse(pageContentSecurityPolicy(production));
    expect(policy.get("frame-ancestors")).toEqual(["'none'"]);
    expect(policy.get("object-src")).toEqual(["'none'"]);
    expect(policy.get("base-uri")).toEqual(["'none'"]);
    expect(policy.get("form-action")).toEqual(["'self'"]);
    expect(policy.get("connect-src")).toEqual(["'self'"]);
    expect(policy.get("default-src")).toEqual(["'self'"]);
  });

  it("loads images from Parley, data: and blob: only, plus the allowed hosts", () => {
    expect(parse(pageContentSecurityPolicy(production)).get("img-src")).toEqual(["'self'", "data:", "blob:"]);
    const allowed = parse(
      pageContentSecurityPolicy({ ...production, imageHosts: ["images.example.com", "cdn.example.org:8443"] }),
    ).get("img-src");
    expect(allowed).toEqual(["'self'", "data:", "blob:", "images.example.com:*", "cdn.example.org:8443"]);
    expect(imageHostSource("localhost")).toBe("localhost:*");
  });

  it("allows inline <style> only with the nonce in production, style attributes always", () => {
    const policy = parse(pageContentSecurityPolicy(production));
    expect(policy.get("style-src")).toEqual(["'self'", "'nonce-abc123=='"]);
    expect(policy.get("style-src-attr")).toEqual(["'unsafe-inline'"]);
    expect(policy.get("media-src")).toEqual(["'self'", "blob:", "data:"]);
  });

  it("adds eval for next dev only", () => {
    const dev = parse(pageContentSecurityPolicy({ ...production, development: true }));
    expect(dev.get("script-src")).toContain("'unsafe-eval'");
    expect(dev.get("script-src")).not.toContain("'unsafe-inline'");
  });

  it("is one header line of well-formed directives", () => {
    const policy = pageContentSecurityPolicy({ ...production, imageHosts: ["images.example.com"] });
    expect(policy).not.toMatch(/[\r\n]/);
    for (const [name, sources] of parse(policy)) {
      expect(name).toMatch(/^[a-z-]+$/);
      expect(sources.length, name).toBeGreaterThan(0);
    }
  });
});

describe("nonces", () => {
  it("are fresh and unguessable every time", () => {
    const nonces = new Set(Array.from({ length: 200 }, newNonce));
    expect(nonces.size).toBe(200);
    for (const nonce of nonces) expect(nonce).toMatch(/^[A-Za-z0-9+/]{22}==$/);
  });
});

describe("other headers", () => {
  it("pages: no framing, no referrer path to other sites, microphone for Parley only", () => {
    const headers = pageSecurityHeaders(production);
    expect(headers["X-Frame-Options"]).toBe("DENY");
    expect(headers["Referrer-Policy"]).toBe("strict-origin-when-cross-origin");
    expect(headers["Permissions-Policy"]).toContain("microphone=(self)");
    expect(headers["Permissions-Policy"]).toContain("camera=()");
    expect(headers["Content-Security-Policy"]).toBe(pageContentSecurityPolicy(production));
  });

  it("API responses run, load and frame nothing", () => {
    const policy = parse(API_CONTENT_SECURITY_POLICY);
    expect(policy.get("default-src")).toEqual(["'none'"]);
    expect(policy.get("frame-ancestors")).toEqual(["'none'"]);
    expect(policy.has("script-src")).toBe(false);
    expect(apiSecurityHeaders()["X-Frame-Options"]).toBe("DENY");
  });
});
