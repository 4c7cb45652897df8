import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { embedder } from "../../lib/ai/embeddings";
import { createEmbeddedEmbedder, type EmbeddedEmbedder } from "../../lib/ai/embeddings/embedded";
import type { EmbeddingStatus } from "../../lib/ai/embeddings/types";
import { ModelUnavailableError } from "../../lib/ai/types";
import { startModelServer, type ModelServer } from "../helpers/model-server";
import { cachedTinyBertGguf } from "../helpers/tiny-gguf";

const BGE_FILE = "bge-small-en-v1.5-q8_0.gguf";
let dir: string;
let bertFile: string;
let server: ModelServer;
let goneUrl: string;
const savedEnv = { ...process.env };
const embedders: EmbeddedEmbedder[] = [];
const make = (options: Parameters<typeof createEmbeddedEmbedder>[0]) => {
  const created = createEmbeddedEmbedder({ log: null, ...options });
  embedders.push(created);
  return created;
};
let n = 0;
const dataDir = () => path.join(dir, `data-${++n}`);

const dot = (a: number[], b: number[]) => a.reduce((sum, x, i) => sum + x * b[i]!, 0);

/** Polls status() until it leaves "preparing"; returns every status seen. */
async function settle(e: { status(): Promise<EmbeddingStatus> }, timeoutMs = 30_000): Promise<EmbeddingStatus[]> {
  const seen: EmbeddingStatus[] = [];
  const until = Date.now() + timeoutMs;
  for (;;) {
    const status = await e.status();
    seen.push(status);
    if (status.state !== "preparing") return seen;
    if (Date.now() > until) throw new Error(`still preparing after ${timeoutMs} ms: ${status.detail}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), "parley-embeddings-"));
  bertFile = cachedTinyBertGguf({ seed: 1 });
  server = await startModelServer({
    // ~32 writes 10 ms apart: long enough to watch the progress.
    [`/models/${BGE_FILE}`]: { body: readFileSync(bertFile), chunkSize: 256 * 1024, delayMs: 10 },
    "/flaky/model.gguf": { status: 404 },
  });
  const gone = await startModelServer();
  goneUrl = gone.url(`/${BGE_FILE}`);
  await gone.close();
});

afterEach(async () => {
  await Promise.all(embedders.splice(0).map((e) => e.dispose()));
  process.env = { ...savedEnv };
});

afterAll(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("embedded embedder (tiny BERT GGUF)", () => {
  it("goes from preparing to ready and embeds: right dimension, unit length, deterministic, distinct", async () => {
    const e = make({ modelPath: bertFile });
    expect(e.provider).toBe("embedded");
    expect(e.modelFor("de")).toBe("tiny-bert_seed-1_v1");
    expect(e.modelFor(undefined)).toBe("tiny-bert_seed-1_v1");

    const seen = await settle(e);
    expect(seen[0]).toEqual({
      state: "preparing",
      provider: "embedded",
      detail: "Loading the embedding model tiny-bert_seed-1_v1. Retrieval is lexical only until then.",
    });
    expect(seen.at(-1)).toEqual({ state: "ready", provider: "embedded", detail: "Embeddings by tiny-bert_seed-1_v1 on this machine's CPU." });

    const model = e.modelFor("en");
    const vectors = await e.embed(["hello world", "hello world", "quarterly revenue grew", ""], { model, kind: "passage" });
    expect(vectors.map((v) => v.length)).toEqual([64, 64, 64, 64]);
    for (const v of vectors) expect(Math.sqrt(dot(v, v))).toBeCloseTo(1, 5);
    expect(vectors[1]).toEqual(vectors[0]);
    expect(dot(vectors[0]!, vectors[2]!)).toBeLessThan(0.9999);
    expect(dot(vectors[0]!, vectors[3]!)).toBeLessThan(0.9999);

    // A second load of the same file gives the same vectors.
    const again = make({ modelPath: bertFile });
    const [same] = await again.embed(["hello world"], { model, kind: "passage" });
    expect(same!.map((x) => Math.round(x * 1e5))).toEqual(vectors[0]!.map((x) => Math.round(x * 1e5)));
  });

  it("cuts a text longer than the model's 512 positions instead of failing", async () => {
    const e = make({ modelPath: bertFile });
    const model = e.modelFor("en");
    const long = "word ".repeat(2000);
    const [a, b] = await e.embed([long, `${long} and a different ending`], { model, kind: "passage" });
    expect(a).toHaveLength(64);
    expect(b).toEqual(a); // the tail beyond the context is dropped
  });

  it("adds the model family's query prefix (a bge-*-en file gets the BGE instruction)", async () => {
    const file = path.join(dir, BGE_FILE);
    copyFileSync(bertFile, file);
    const e = make({ modelPath: file });
    const model = e.modelFor("en");
    expect(model).toBe("bge-small-en-v1.5-q8_0");
    const [asQuery] = await e.embed(["where is the invoice"], { model, kind: "query" });
    const [asPassage, prefixedByHand] = await e.embed(
      ["where is the invoice", "Represent this sentence for searching relevant passages: where is the invoice"],
      { model, kind: "passage" },
    );
    expect(asQuery).toEqual(prefixedByHand);
    expect(asQuery).not.toEqual(asPassage);
  });

  it("refuses another model's name and stops between texts when aborted", async () => {
    const e = make({ modelPath: bertFile });
    await expect(e.embed(["x"], { model: "BAAI/bge-large-en-v1.5", kind: "query" })).rejects.toThrow(
      "The embedded embedder runs tiny-bert_seed-1_v1; it cannot embed with BAAI/bge-large-en-v1.5.",
    );
    const model = e.modelFor("en");
    await e.embed(["warm up"], { model, kind: "query" });
    const controller = new AbortController();
    const texts = Array.from({ length: 2000 }, (_, i) => `text ${i} `.repeat(50));
    const promise = e.embed(texts, { model, kind: "passage", signal: controller.signal });
    setTimeout(() => controller.abort(new Error("cancelled")), 20);
    const started = Date.now();
    await expect(promise).rejects.toThrow("cancelled");
    expect(Date.now() - started).toBeLessThan(1000);
  });
});

describe("embedded embedder: getting the model", () => {
  it("downloads the model once into DATA_DIR/models with progress, and a later embedder reuses the file", async () => {
    const data = dataDir();
    process.env.DATA_DIR = data;
    process.env.EMBEDDINGS_MODEL_URL = server.url(`/models/${BGE_FILE}`);
    delete process.env.EMBEDDINGS_BASE_URL;
    delete process.env.EMBEDDINGS_MODEL_PATH;
    delete process.env.EMBEDDINGS_DOWNLOAD;
    const e = embedder() as EmbeddedEmbedder;
    embedders.push(e);
    expect(e.provider).toBe("embedded");
    expect(e.modelPath).toBe(path.join(data, "models", BGE_FILE));
    expect(existsSync(e.modelPath)).toBe(false); // creating it started nothing
    expect(server.requests).toHaveLength(0);

    const seen = await settle(e);
    expect(seen.at(-1)!.state).toBe("ready");
    const progress = seen.flatMap((s) => (s.progress === undefined ? [] : [s.progress]));
    expect(progress.length).toBeGreaterThan(2);
    expect(progress.every((p) => p >= 0 && p <= 1)).toBe(true);
    expect(progress.at(-1)!).toBeGreaterThan(progress[0]!);
    const downloading = seen.find((s) => s.progress !== undefined)!;
    expect(downloading.detail).toMatch(
      /^Downloading the embedding model bge-small-en-v1\.5-q8_0 from http:\/\/127\.0\.0\.1:\d+\/models\/bge-small-en-v1\.5-q8_0\.gguf \(\d+%\)\. Retrieval is lexical only until then\.$/,
    );
    expect(readFileSync(e.modelPath).equals(readFileSync(bertFile))).toBe(true);
    expect(e.modelFor("en")).toBe("bge-small-en-v1.5-q8_0");
    expect(await e.embed(["hello"], { model: "bge-small-en-v1.5-q8_0", kind: "query" })).toHaveLength(1);

    const later = make({ dataDir: data, modelUrl: server.url(`/models/${BGE_FILE}`) });
    expect((await settle(later)).at(-1)!.state).toBe("ready");
    expect(server.requests.filter((r) => r.path === `/models/${BGE_FILE}`)).toHaveLength(1);
  });

  it("offline: unavailable with the reason and what to do, tried again later rather than in a loop", async () => {
    const e = make({ dataDir: dataDir(), modelUrl: goneUrl, retryAfterMs: 60_000 });
    const status = (await settle(e)).at(-1)!;
    expect(status.state).toBe("unavailable");
    expect(status.detail).toMatch(/^Could not download the embedding model from http:\/\/127\.0\.0\.1:\d+\/bge-small-en-v1\.5-q8_0\.gguf: Could not reach .*ECONNREFUSED/);
    expect(status.detail).toContain("Retrieval is lexical only until then.");
    expect(status.detail).toContain("EMBEDDINGS_MODEL_PATH");
    expect(status.detail).toContain("EMBEDDINGS_BASE_URL");
    const error = await e.embed(["x"], { model: e.modelFor("en"), kind: "query" }).catch((x: unknown) => x);
    expect(error).toBeInstanceOf(ModelUnavailableError);
    expect((error as Error).message).toBe(status.detail);

    // A host that fails, then serves the file: retried once retryAfterMs has passed.
    const url = server.url("/flaky/model.gguf");
    const retrying = make({ dataDir: dataDir(), modelUrl: url, retryAfterMs: 300 });
    expect((await settle(retrying)).at(-1)).toMatchObject({ state: "unavailable" });
    server.routes.set("/flaky/model.gguf", { body: readFileSync(bertFile) });
    expect((await retrying.status()).state).toBe("unavailable"); // within retryAfterMs: no new attempt
    expect(server.requests.filter((r) => r.path === "/flaky/model.gguf")).toHaveLength(1);
    await new Promise((resolve) => setTimeout(resolve, 350));
    expect((await settle(retrying)).at(-1)!.state).toBe("ready");
    expect(server.requests.filter((r) => r.path === "/flaky/model.gguf")).toHaveLength(2);
  });

  it("with downloads off and no file: unavailable saying how to fix it, and picks up a file put in place", async () => {
    const data = dataDir();
    const e = make({ dataDir: data, modelUrl: server.url(`/models/${BGE_FILE}`), downloadEnabled: false });
    const status = await e.status();
    expect(status.state).toBe("unavailable");
    expect(status.detail).toBe(
      `No embedding model: ${path.join(data, "models", BGE_FILE)} does not exist and downloads are off (EMBEDDINGS_DOWNLOAD=0). ` +
        "Retrieval is lexical only. To fix: set EMBEDDINGS_MODEL_PATH to a GGUF embedding model file, or EMBEDDINGS_BASE_URL " +
        "to an OpenAI-compatible embedding server, or allow the download by unsetting EMBEDDINGS_DOWNLOAD.",
    );
    await expect(e.embed(["x"], { model: e.modelFor("en"), kind: "query" })).rejects.toBeInstanceOf(ModelUnavailableError);

    mkdirSync(path.join(data, "models"), { recursive: true });
    copyFileSync(bertFile, path.join(data, "models", BGE_FILE));
    expect((await settle(e)).at(-1)!.state).toBe("ready");
  });

  it("is unavailable with the loader's reason when the file is not a model", async () => {
    const file = path.join(dir, "broken.gguf");
    const bytes = readFileSync(bertFile);
    writeFileSync(file, bytes.subarray(0, 4096));
    const status = (await settle(make({ modelPath: file }))).at(-1)!;
    expect(status.state).toBe("unavailable");
    expect(status.detail).toMatch(/^Could not load the embedding model .*broken\.gguf: .*Retrieval is lexical only until then\. To fix:/);
  });
});
