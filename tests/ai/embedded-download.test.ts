import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { downloadModel, ModelDownloadError, type DownloadProgress } from "../../lib/ai/embedded/download";
import { startModelServer, type ModelServer } from "../helpers/model-server";
import { cachedTinyLlamaGguf } from "../helpers/tiny-gguf";

let dir: string;
let model: Buffer;
let server: ModelServer;
const silent = null;

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), "parley-download-"));
  model = readFileSync(cachedTinyLlamaGguf({ seed: 7 }));
  server = await startModelServer({
    "/model.gguf": { body: model, chunkSize: 256 * 1024 },
    "/no-ranges.gguf": { body: model, ranges: false, chunkSize: 256 * 1024 },
    "/slow.gguf": { body: model, chunkSize: 64 * 1024, delayMs: 5 },
    "/no-length.gguf": { body: model, hideLength: true, chunkSize: 512 * 1024 },
    "/moved.gguf": { redirectTo: "/model.gguf" },
    "/login.html": { body: Buffer.from("<!doctype html><html><body>Please sign in</body></html>") },
    "/private.gguf": { status: 403, text: "forbidden" },
  });
});

afterAll(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

let n = 0;
const dest = () => path.join(dir, `case-${++n}`, "model.gguf");

describe("downloadModel", () => {
  it("streams the file to dest with progress and logs sparingly", async () => {
    const target = dest();
    const progress: DownloadProgress[] = [];
    const lines: string[] = [];
    const result = await downloadModel({
      url: server.url("/model.gguf"),
      dest: target,
      onProgress: (p) => progress.push(p),
      log: (m) => lines.push(m),
    });

    expect(readFileSync(target).equals(model)).toBe(true);
    expect(existsSync(`${target}.part`)).toBe(false);
    expect(result).toEqual({ path: target, bytes: model.length, resumedFromBytes: 0 });
    expect(progress.length).toBeGreaterThan(5);
    expect(progress.every((p) => p.totalBytes === model.length)).toBe(true);
    for (let i = 1; i < progress.length; i++) {
      expect(progress[i]!.receivedBytes).toBeGreaterThanOrEqual(progress[i - 1]!.receivedBytes);
    }
    expect(progress.at(-1)!.receivedBytes).toBe(model.length);
    // ~36 chunks arrive but the log shows at most one line per 10 % (plus start and end lines)
    expect(lines.length).toBeGreaterThanOrEqual(2);
    expect(lines.length).toBeLessThanOrEqual(14);
    expect(lines.at(-1)).toMatch(/Downloaded model\.gguf/);
  });

  it("resumes a partial download with a Range request", async () => {
    const target = dest();
    const already = 3_000_001;
    const before = server.bytesSent.get("/model.gguf") ?? 0;
    mkdirSync(path.dirname(target), { recursive: true });
    writeFileSync(`${target}.part`, model.subarray(0, already));

    const progress: DownloadProgress[] = [];
    const result = await downloadModel({
      url: server.url("/model.gguf"),
      dest: target,
      log: silent,
      onProgress: (p) => progress.push(p),
    });

    expect(readFileSync(target).equals(model)).toBe(true);
    expect(result.resumedFromBytes).toBe(already);
    expect(server.requests.at(-1)).toEqual({ path: "/model.gguf", range: `bytes=${already}-` });
    expect((server.bytesSent.get("/model.gguf") ?? 0) - before).toBe(model.length - already);
    expect(progress[0]).toEqual({ receivedBytes: already, totalBytes: model.length });
  });

  it("restarts from zero when the server ignores Range and answers 200", async () => {
    const target = dest();
    mkdirSync(path.dirname(target), { recursive: true });
    // A stale partial file that does not even match: keeping it would corrupt the model.
    writeFileSync(`${target}.part`, Buffer.alloc(1_000_000, 0x55));

    const result = await downloadModel({ url: server.url("/no-ranges.gguf"), dest: target, log: silent });

    expect(server.requests.at(-1)?.range).toBe("bytes=1000000-");
    expect(result.resumedFromBytes).toBe(0);
    expect(readFileSync(target).equals(model)).toBe(true);
  });

  it("keeps the .part file when aborted, and a later call finishes it", async () => {
    const target = dest();
    const controller = new AbortController();
    const promise = downloadModel({
      url: server.url("/slow.gguf"),
      dest: target,
      signal: controller.signal,
      log: silent,
      onProgress: (p) => {
        if (p.receivedBytes >= 1_000_000) controller.abort();
      },
    });
    await expect(promise).rejects.toThrow(/abort/i);
    expect(existsSync(target)).toBe(false);
    const partial = readFileSync(`${target}.part`);
    expect(partial.length).toBeGreaterThanOrEqual(1_000_000);
    expect(partial.length).toBeLessThan(model.length);

    const result = await downloadModel({ url: server.url("/model.gguf"), dest: target, log: silent });
    expect(result.resumedFromBytes).toBe(partial.length);
    expect(readFileSync(target).equals(model)).toBe(true);
  });

  it("follows redirects and copes with an unknown length", async () => {
    const a = dest();
    await downloadModel({ url: server.url("/moved.gguf"), dest: a, log: silent });
    expect(readFileSync(a).equals(model)).toBe(true);

    const b = dest();
    const progress: DownloadProgress[] = [];
    await downloadModel({ url: server.url("/no-length.gguf"), dest: b, log: silent, onProgress: (p) => progress.push(p) });
    expect(readFileSync(b).equals(model)).toBe(true);
    expect(progress.at(-1)).toEqual({ receivedBytes: model.length, totalBytes: null });
  });

  it("rejects a body that is not GGUF and leaves nothing behind", async () => {
    const target = dest();
    const error = await downloadModel({ url: server.url("/login.html"), dest: target, log: silent }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ModelDownloadError);
    expect((error as Error).message).toMatch(/is not a GGUF model file \(it starts with "<!do"/);
    expect(existsSync(target)).toBe(false);
    expect(existsSync(`${target}.part`)).toBe(false);
  });

  it("gives a clear error for 404 and 403", async () => {
    const target = dest();
    const notFound = await downloadModel({ url: server.url("/nope.gguf?token=secret"), dest: target, log: silent }).catch(
      (e: unknown) => e,
    );
    expect(notFound).toBeInstanceOf(ModelDownloadError);
    expect((notFound as ModelDownloadError).status).toBe(404);
    expect((notFound as Error).message).toBe(`Downloading ${server.url("/nope.gguf")} failed: HTTP 404 Not Found`);
    expect((notFound as Error).message).not.toContain("secret");
    expect(existsSync(target)).toBe(false);

    const forbidden = await downloadModel({ url: server.url("/private.gguf"), dest: target, log: silent }).catch((e: unknown) => e);
    expect((forbidden as Error).message).toMatch(/HTTP 403 Forbidden \(the model host wants credentials\)/);
  });

  it("says when the host cannot be reached", async () => {
    const closed = await startModelServer();
    const url = closed.url("/model.gguf");
    await closed.close();
    const error = await downloadModel({ url, dest: dest(), log: silent }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ModelDownloadError);
    expect((error as Error).message).toMatch(/^Could not reach http:\/\/127\.0\.0\.1:\d+\/model\.gguf: .*ECONNREFUSED/);
  });
});
