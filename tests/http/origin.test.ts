import { describe, expect, it } from "vitest";
import { HttpError } from "../../lib/http/errors";
import { assertSameOrigin } from "../../lib/http/origin";

const request = (method: string, headers: Record<string, string>) =>
  new Request("http://127.0.0.1:3000/api/keys", { method, headers: { host: "127.0.0.1:3000", ...headers } });

function verdict(req: Request, publicOrigin?: string): "pass" | number {
  try {
    assertSameOrigin(req, publicOrigin);
    return "pass";
  } catch (error) {
    return (error as HttpError).status;
  }
}

describe("cross-site request forgery check", () => {
  it("refuses state-changing browser requests from another origin, another port of the same host included", () => {
    expect(verdict(request("POST", { "sec-fetch-site": "cross-site", origin: "https://evil.example" }))).toBe(403);
    // Another port on the same host is "same-site" to a browser: still another origin.
    expect(verdict(request("POST", { "sec-fetch-site": "same-site", origin: "http://127.0.0.1:8080" }))).toBe(403);
    expect(verdict(request("DELETE", { origin: "http://127.0.0.1:8080" }))).toBe(403);
    expect(verdict(request("PATCH", { origin: "null" }))).toBe(403);
  });

  it("lets Parley's own pages, typed navigations, safe methods and non-browser clients through", () => {
    expect(verdict(request("POST", { "sec-fetch-site": "same-origin", origin: "http://127.0.0.1:3000" }))).toBe("pass");
    expect(verdict(request("POST", { "sec-fetch-site": "none" }))).toBe("pass");
    expect(verdict(request("POST", { origin: "http://127.0.0.1:3000" }))).toBe("pass");
    expect(verdict(request("GET", { "sec-fetch-site": "cross-site" }))).toBe("pass");
    expect(verdict(request("POST", {}))).toBe("pass");
  });

  it("exempts bearer API keys, which a browser never sends on its own", () => {
    expect(verdict(request("POST", { authorization: "Bearer pk_x", "sec-fetch-site": "cross-site" }))).toBe("pass");
  });

  it("accepts the public origin behind a proxy (X-Forwarded-Host or AUTH_URL)", () => {
    const proxied = { host: "parley:3000", origin: "https://chat.example.com" };
    expect(verdict(request("POST", proxied))).toBe(403);
    expect(verdict(request("POST", { ...proxied, "x-forwarded-host": "chat.example.com" }))).toBe("pass");
    expect(verdict(request("POST", proxied), "https://chat.example.com")).toBe("pass");
  });
});
