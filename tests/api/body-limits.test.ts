import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestApp, type TestApp } from "../helpers/app";

const SIXTY_MB = 60 * 1024 * 1024;

/** A 60 MB body produced on demand, counting how much of it the server made us send. */
function hugeBody() {
  const sent = { bytes: 0 };
  const chunk = new Uint8Array(64 * 1024).fill(0x20);
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (sent.bytes >= SIXTY_MB) return controller.close();
      sent.bytes += chunk.byteLength;
      controller.enqueue(chunk);
    },
  });
  return { stream, sent };
}

// Limits apply before any database work, so one backend shows it.
describe("bodies over the limit", () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp("pglite");
  });
  afterAll(() => app.close());

  it("refuses 8 concurrent 60 MB sign-ups after reading at most a little past the limit, declared or not", async () => {
    const attempts = Array.from({ length: 8 }, (_, i) => {
      const { stream, sent } = hugeBody();
      const declared = i % 2 === 0;
      const response = fetch(`${app.url}/api/sign-up`, {
        method: "POST",
        body: stream,
        headers: { "content-type": "application/json", ...(declared ? { "content-length": String(SIXTY_MB) } : {}) },
        // @ts-expect-error Node's fetch needs duplex for a streamed body.
        duplex: "half",
      });
      return response.then(
        async (r) => ({ status: r.status, message: ((await r.json()) as { error: { message: string } }).error.message, sent: sent.bytes }),
        // The server may close the connection while the client is still sending: then only the count matters.
        () => ({ status: 413, message: "connection closed", sent: sent.bytes }),
      );
    });
    const results = await Promise.all(attempts);
    console.log(`[tests] bytes sent before the 413s: ${results.map((r) => r.sent).join(", ")}`);
    for (const result of results) {
      expect(result.status).toBe(413);
      // The sign-up limit is 10 KB; what was sent beyond it sat in socket buffers, not in Parley's memory.
      expect(result.sent).toBeLessThan(SIXTY_MB / 10);
    }
    const stillServing = await fetch(`${app.url}/api/health`);
    expect(stillServing.status).toBe(200);
  });
});
