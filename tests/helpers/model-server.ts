/**
 * A local node:http file server on 127.0.0.1 for download tests: per-path
 * bodies, optional Range support, redirects, error statuses and throttling.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";

export type Route =
  | {
      body: Buffer;
      /** Answer `Range: bytes=N-` with 206 (default true); false answers 200 with the whole body. */
      ranges?: boolean;
      /** Bytes per write and pause between writes, to make a download take a while. */
      chunkSize?: number;
      delayMs?: number;
      /** Send no Content-Length (chunked transfer). */
      hideLength?: boolean;
    }
  | { status: number; text?: string }
  | { redirectTo: string };

export type RecordedRequest = { path: string; range: string | undefined };

export type ModelServer = {
  url(pathname: string): string;
  routes: Map<string, Route>;
  requests: RecordedRequest[];
  /** Body bytes written for each path. */
  bytesSent: Map<string, number>;
  close(): Promise<void>;
};

export async function startModelServer(routes: Record<string, Route> = {}): Promise<ModelServer> {
  const table = new Map(Object.entries(routes));
  const requests: RecordedRequest[] = [];
  const bytesSent = new Map<string, number>();

  const server = http.createServer((req, res) => {
    const pathname = new URL(req.url ?? "/", "http://x").pathname;
    const range = req.headers.range;
    requests.push({ path: pathname, range });
    const route = table.get(pathname);
    if (!route) {
      res.writeHead(404, { "content-type": "text/plain" }).end("not found");
      return;
    }
    if ("redirectTo" in route) {
      res.writeHead(302, { location: route.redirectTo }).end();
      return;
    }
    if ("status" in route) {
      res.writeHead(route.status, { "content-type": "text/plain" }).end(route.text ?? "");
      return;
    }
    let body = route.body;
    const headers: Record<string, string | number> = { "content-type": "application/octet-stream", "accept-ranges": "bytes" };
    let status = 200;
    const match = range?.match(/^bytes=(\d+)-$/);
    if (match && route.ranges !== false) {
      const start = Number(match[1]);
      if (start >= body.length) {
        res.writeHead(416, { "content-range": `bytes */${body.length}` }).end();
        return;
      }
      status = 206;
      headers["content-range"] = `bytes ${start}-${body.length - 1}/${body.length}`;
      body = body.subarray(start);
    }
    if (!route.hideLength) headers["content-length"] = body.length;
    res.writeHead(status, headers);
    const chunkSize = route.chunkSize ?? body.length;
    let offset = 0;
    const writeNext = () => {
      if (res.destroyed) return;
      if (offset >= body.length) {
        res.end();
        return;
      }
      const chunk = body.subarray(offset, offset + chunkSize);
      offset += chunk.length;
      bytesSent.set(pathname, (bytesSent.get(pathname) ?? 0) + chunk.length);
      res.write(chunk);
      setTimeout(writeNext, route.delayMs ?? 0);
    };
    writeNext();
  });

  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: (pathname) => `http://127.0.0.1:${port}${pathname}`,
    routes: table,
    requests,
    bytesSent,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
