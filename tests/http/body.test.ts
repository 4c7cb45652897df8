import { describe, expect, it } from "vitest";
import { readBody } from "../../lib/http/body";
import { HttpError } from "../../lib/http/errors";
import { readJson } from "../../lib/http/route";
import { z } from "zod";

/** A body that counts how much of it the server pulled. */
function countingBody(totalBytes: number, chunkBytes = 64 * 1024) {
  const counter = { pulled: 0 };
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (counter.pulled >= totalBytes) return controller.close();
      const size = Math.min(chunkBytes, totalBytes - counter.pulled);
      counter.pulled += size;
      controller.enqueue(new Uint8Array(size).fill(0x61));
    },
  });
  return { stream, counter };
}

const post = (body: BodyInit, headers: Record<string, string> = {}) =>
  // @ts-expect-error duplex is needed for streamed bodies in Node.
  new Request("http://parley.test/x", { method: "POST", body, headers, duplex: "half" });

async function status(work: Promise<unknown>): Promise<number | "ok"> {
  try {
    await work;
    return "ok";
  } catch (error) {
    return (error as HttpError).status;
  }
}

describe("reading a body", () => {
  it("refuses a declared Content-Length over the limit before reading any of it", async () => {
    const { stream, counter } = countingBody(60 * 1024 * 1024);
    expect(await status(readBody(post(stream, { "content-length": String(60 * 1024 * 1024) }), 10_000))).toBe(413);
    expect(counter.pulled).toBeLessThanOrEqual(64 * 1024);
  });

  it("stops reading an undeclared (chunked) body where it crosses the limit", async () => {
    const { stream, counter } = countingBody(60 * 1024 * 1024);
    expect(await status(readBody(post(stream), 100_000))).toBe(413);
    // The limit plus at most one chunk and the stream's own look-ahead, not 60 MB.
    expect(counter.pulled).toBeLessThan(1024 * 1024);
  });

  it("reads a body within the limit whole", async () => {
    const { stream } = countingBody(300_000);
    expect((await readBody(post(stream), 300_000)).byteLength).toBe(300_000);
  });

  it("takes JSON only as application/json: text/plain;charset=json and forms need no preflight, so they are refused", async () => {
    const schema = z.object({ name: z.string() });
    const json = JSON.stringify({ name: "x" });
    expect(await status(readJson(post(json, { "content-type": "text/plain;charset=json" }), schema))).toBe(415);
    expect(await status(readJson(post("name=x", { "content-type": "application/x-www-form-urlencoded" }), schema))).toBe(415);
    expect(await status(readJson(post(json), schema))).toBe(415);
    expect(await readJson(post(json, { "content-type": "application/json; charset=utf-8" }), schema)).toEqual({ name: "x" });
  });

  it("refuses bytes that are not UTF-8 rather than storing replacement characters", async () => {
    const bytes = new Uint8Array([0x7b, 0x22, 0x6e, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0x22, 0x7d]);
    const error = await readJson(post(bytes, { "content-type": "application/json" }), z.object({ n: z.string() })).catch((e) => e);
    expect(error).toBeInstanceOf(HttpError);
    expect(error.message).toMatch(/UTF-8/);
  });
});
