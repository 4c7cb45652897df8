import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { generateText } from "ai";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { ModelStatus } from "../../lib/ai/types";
import { ModelUnavailableError } from "../../lib/ai/types";
import { createEmbeddedProvider, modelFileNameFromUrl, type EmbeddedProvider } from "../../lib/ai/embedded/provider";
import { startModelServer, type ModelServer } from "../helpers/model-server";
import { cachedTinyLlamaGguf } from "../helpers/tiny-gguf";

let dir: string;
let modelFile: string;
let server: ModelServer;
const providers: EmbeddedProvider[] = [];
const make = (...args: Parameters<typeof createEmbeddedProvider>) => {
  const provider = createEmbeddedProvider(...args);
  providers.push(provider);
  return provider;
};
let n = 0;
const dataDir = () => path.join(dir, `data-${++n}`);

/** Fails the test instead of hanging when a promise never settles. */
function within<T>(ms: number, promise: Promise<T>): Promise<T> {
  return Promise.race([
    promise,
    new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`still pending after ${ms} ms`)), ms)),
  ]);
}

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), "parley-provider-"));
  modelFile = cachedTinyLlamaGguf({ seed: 3 });
  server = await startModelServer({
    // ~36 writes 10 ms apart: the download takes a few hundred ms, long enough to watch.
    "/models/tiny-chat.gguf": { body: readFileSync(modelFile), chunkSize: 256 * 1024, delayMs: 10 },
    "/gone.gguf": { status: 404 },
  });
});

afterEach(async () => {
  await Promise.all(providers.splice(0).map((p) => p.dispose()));
});

afterAll(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("createEmbeddedProvider", () => {
  it("is unavailable with an actionable reason when the file is missing and downloads are off", async () => {
    const data = dataDir();
    const provider = make({ dataDir: data, modelUrl: server.url("/models/tiny-chat.gguf"), downloadEnabled: false, log: null });
    const expectedPath = path.join(data, "models", "tiny-chat.gguf");
    expect(provider.kind).toBe("embedded");
    expect(provider.modelName).toBe("tiny-chat");
    expect(provider.modelPath).toBe(expectedPath);

    const status = await provider.status();
    expect(status.state).toBe("unavailable");
    const reason = (status as Extract<ModelStatus, { state: "unavailable" }>).reason;
    expect(reason).toContain("LLM_BASE_URL");
    expect(reason).toContain(expectedPath);
    expect(reason).toContain("LLM_MODEL_PATH");

    provider.warm();
    const error = await within(2000, provider.languageModel()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ModelUnavailableError);
    expect((error as Error).message).toBe(reason);
    expect(await provider.status()).toMatchObject({ state: "unavailable", provider: "embedded", model: "tiny-chat" });
    expect(server.requests).toHaveLength(0);

    // The operator puts a model in place: the next request picks it up without a restart.
    mkdirSync(path.dirname(expectedPath), { recursive: true });
    copyFileSync(modelFile, expectedPath);
    const model = await within(30_000, provider.languageModel());
    expect(model.modelId).toBe("tiny-chat");
    expect((await provider.status()).state).toBe("ready");
  });

  it("downloads the model once in the background, loads it and answers", async () => {
    const data = dataDir();
    const provider = make({ dataDir: data, modelUrl: server.url("/models/tiny-chat.gguf"), downloadEnabled: true, log: null });
    const idle = await provider.status();
    expect(idle).toMatchObject({ state: "loading" });
    expect((idle as { message: string }).message).toMatch(/downloaded from http:\/\/127\.0\.0\.1:\d+\/models\/tiny-chat\.gguf/);

    provider.warm();
    provider.warm(); // idempotent
    const seen: ModelStatus[] = [];
    for (;;) {
      const status = await provider.status();
      seen.push(status);
      if (status.state === "ready" || status.state === "unavailable") break;
      await new Promise((resolve) => setTimeout(resolve, 15));
    }
    expect(seen.at(-1)).toEqual({ state: "ready", provider: "embedded", model: "tiny-chat" });
    const downloading = seen.filter((s) => s.state === "downloading");
    expect(downloading.length).toBeGreaterThan(2);
    const progress = downloading.map((s) => (s as { progress: { receivedBytes: number; totalBytes: number | null } }).progress);
    const size = readFileSync(modelFile).length;
    const started = progress.filter((p) => p.receivedBytes > 0); // before the response: { 0, null }
    expect(started.length).toBeGreaterThan(1);
    expect(started.every((p) => p.totalBytes === size)).toBe(true);
    expect(started.at(-1)!.receivedBytes).toBeGreaterThan(started[0]!.receivedBytes);
    expect((downloading.at(-1) as { message: string }).message).toMatch(
      /^Downloading the chat model tiny-chat from .*\(\d+%\)$/,
    );

    const downloadedFile = path.join(data, "models", "tiny-chat.gguf");
    expect(readFileSync(downloadedFile).equals(readFileSync(modelFile))).toBe(true);
    expect(server.requests.filter((r) => r.path === "/models/tiny-chat.gguf")).toHaveLength(1);

    const model = await provider.languageModel();
    expect(await provider.languageModel()).toBe(model);
    const { text, usage } = await generateText({ model, prompt: "Hello!", maxOutputTokens: 8, temperature: 0 });
    expect(text.length).toBeGreaterThan(0);
    expect(usage.outputTokens).toBe(8);
    expect(server.requests.filter((r) => r.path === "/models/tiny-chat.gguf")).toHaveLength(1);
  });

  it("languageModel() waits for a download in progress", async () => {
    const provider = make({ dataDir: dataDir(), modelUrl: server.url("/models/tiny-chat.gguf"), log: null });
    provider.warm();
    expect((await provider.status()).state).toBe("downloading");
    const model = await within(30_000, provider.languageModel());
    expect(model.modelId).toBe("tiny-chat");
    expect((await provider.status()).state).toBe("ready");
  });

  it("reports a failed download and retries it on a later request, not in a loop", async () => {
    const requestsFor = (p: string) => server.requests.filter((r) => r.path === p).length;
    const url = server.url("/gone.gguf");
    const provider = make({ dataDir: dataDir(), modelUrl: url, retryAfterMs: 60_000, log: null });
    const error = await within(5000, provider.languageModel()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ModelUnavailableError);
    expect((error as Error).message).toMatch(/^Could not download the chat model from http:\/\/127\.0\.0\.1:\d+\/gone\.gguf: .*HTTP 404/);
    expect((error as Error).message).toContain("LLM_BASE_URL");
    const status = await provider.status();
    expect(status.state).toBe("unavailable");

    // Within retryAfterMs: no new request to the server, and still no hang.
    await expect(within(1000, provider.languageModel())).rejects.toBeInstanceOf(ModelUnavailableError);
    provider.warm();
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(requestsFor("/gone.gguf")).toBe(1);

    // With retries allowed, the next request tries again and succeeds once the file is served.
    const retrying = make({ dataDir: dataDir(), modelUrl: url, retryAfterMs: 0, log: null });
    await expect(retrying.languageModel()).rejects.toBeInstanceOf(ModelUnavailableError);
    server.routes.set("/gone.gguf", { body: readFileSync(modelFile) });
    try {
      const model = await within(30_000, retrying.languageModel());
      expect(model.modelId).toBe("gone");
      expect(requestsFor("/gone.gguf")).toBe(3);
    } finally {
      server.routes.set("/gone.gguf", { status: 404 });
    }
  });

  it("is unavailable, without crashing, when the file is not a loadable model", async () => {
    const broken = path.join(dir, "broken.gguf");
    const bytes = readFileSync(modelFile).subarray(0, 3_000_000); // a truncated download
    writeFileSync(broken, bytes);
    const provider = make({ modelPath: broken, downloadEnabled: false, log: null });
    expect(provider.modelName).toBe("broken");
    const error = await within(30_000, provider.languageModel()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ModelUnavailableError);
    expect((error as Error).message).toMatch(/^Could not load the chat model .*broken\.gguf: .*To fix: replace it with a valid GGUF/);
    expect((await provider.status()).state).toBe("unavailable");
    expect(existsSync(broken)).toBe(true);
  });

  it("uses LLM_MODEL_PATH / LLM_MODEL_URL / LLM_DOWNLOAD / DATA_DIR from the environment", async () => {
    const saved = { ...process.env };
    try {
      const data = dataDir();
      process.env.DATA_DIR = data;
      process.env.LLM_MODEL_URL = "https://models.example/org/repo/resolve/main/Qwen-Tiny-Q4_K_M.gguf?download=true";
      process.env.LLM_DOWNLOAD = "0";
      delete process.env.LLM_MODEL_PATH;
      const fromUrl = make();
      expect(fromUrl.modelPath).toBe(path.join(data, "models", "Qwen-Tiny-Q4_K_M.gguf"));
      expect(fromUrl.modelName).toBe("Qwen-Tiny-Q4_K_M");
      expect((await fromUrl.status()).state).toBe("unavailable");

      process.env.LLM_MODEL_PATH = modelFile;
      const fromPath = make({ log: null });
      expect(fromPath.modelPath).toBe(modelFile);
      expect((await fromPath.status()).state).toBe("loading");
      expect((await fromPath.languageModel()).modelId).toBe(fromPath.modelName);
    } finally {
      process.env = saved;
    }
  });
});

describe("modelFileNameFromUrl", () => {
  it("takes the last path segment and keeps it a .gguf file name", () => {
    expect(modelFileNameFromUrl("https://h/x/qwen2.5-0.5b-instruct-q4_k_m.gguf")).toBe("qwen2.5-0.5b-instruct-q4_k_m.gguf");
    expect(modelFileNameFromUrl("https://h/x/My%20Model.gguf?dl=1")).toBe("My_Model.gguf");
    expect(modelFileNameFromUrl("https://h/download/model")).toBe("model.gguf");
    expect(modelFileNameFromUrl("https://h/")).toBe("model.gguf");
    expect(modelFileNameFromUrl("https://h/..%2F..%2Fetc%2Fpasswd")).toBe("_.._etc_passwd.gguf");
    expect(modelFileNameFromUrl("not a url")).toBe("model.gguf");
  });
});
