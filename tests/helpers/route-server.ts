import http from "node:http";
import type { AddressInfo } from "node:net";
import { Readable } from "node:stream";

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Handler = (request: Request, context: { params: Promise<any> }) => Promise<Response>;
type RouteModule = Partial<Record<"GET" | "POST" | "PATCH" | "DELETE", Handler>>;

/** path pattern (":name" segments) -> the app's route module */
export type RouteTable = Record<string, RouteModule>;

/**
 * Serves the app's own route handlers over real HTTP on 127.0.0.1, the way
 * Next's server calls them: a web Request whose signal aborts when the client
 * goes away, and the Response body streamed back as it is produced.
 */
export async function serveRoutes(routes: RouteTable): Promise<{ url: string; close(): Promise<void> }> {
  const compiled = Object.entries(routes).map(([pattern, module]) => ({
    regex: new RegExp(`^${pattern.replace(/:(\w+)/g, "(?<$1>[^/]+)")}$`),
    module,
  }));
  const server = http.createServer(async (req, res) => {
    const url = new URL(req.url ?? "/", `http://${req.headers.host}`);
    const route = compiled.find((r) => r.regex.test(url.pathname));
    const handler = route?.module[req.method as keyof RouteModule];
    if (!route || !handler) {
      res.writeHead(route ? 405 : 404).end();
      return;
    }
    const abort = new AbortController();
    res.on("close", () => {
      if (!res.writableFinished) abort.abort();
    });
    const hasBody = req.method !== "GET" && req.method !== "HEAD";
    const request = new Request(url, {
      method: req.method,
      headers: req.headers as Record<string, string>,
      body: hasBody ? (Readable.toWeb(req) as ReadableStream) : undefined,
      signal: abort.signal,
      // @ts-expect-error Node needs this for streamed request bodies.
      duplex: "half",
    });
    // Next hands route handlers decoded params ("%00" arrives as "\u0000"); a malformed escape is its 400.
    let params: Promise<Record<string, string>>;
    try {
      params = Promise.resolve(
        Object.fromEntries(Object.entries(url.pathname.match(route.regex)?.groups ?? {}).map(([k, v]) => [k, decodeURIComponent(v)])),
      );
    } catch {
      res.writeHead(400).end();
      return;
    }
    const response = await handler(request, { params });
    const headers: Record<string, string | string[]> = Object.fromEntries(response.headers);
    // Object.fromEntries keeps only the last of several Set-Cookie headers (Auth.js sends a few).
    const cookies = response.headers.getSetCookie();
    if (cookies.length > 0) headers["set-cookie"] = cookies;
    res.writeHead(response.status, headers);
    if (!response.body) return void res.end();
    const reader = response.body.getReader();
    res.on("close", () => void reader.cancel().catch(() => {}));
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        res.write(value);
      }
      res.end();
    } catch {
      res.destroy();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
