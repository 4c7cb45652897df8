import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { embedder, embeddingStatus } from "../../lib/ai/embeddings";
import { createRemoteEmbedder, RemoteServerError } from "../../lib/ai/embeddings/remote";
import { fakeEmbedding, goneServerUrl, startFakeLlm, type FakeLlm } from "../fake-llm/server";

let fake: FakeLlm;
/** The URL of a server that has gone away: connections are refused. */
let goneUrl: string;
const savedEnv = { ...process.env };

beforeAll(async () => {
  fake = await startFakeLlm();
  goneUrl = await goneServerUrl();
});

afterEach(() => {
  fake.reset();
  process.env = { ...savedEnv };
});

afterAll(async () => {
  await fake.close();
});

const dot = (a: number[], b: number[]) => a.reduce((sum, x, i) => sum + x * b[i]!, 0);
const length = (v: number[]) => Math.sqrt(dot(v, v));
const make = (options: Partial<Parameters<typeof createRemoteEmbedder>[0]> = {}) =>
  createRemoteEmbedder({ baseUrl: fake.url, model: "fake-embed", ...options });

describe("remote embedder against the fake server", () => {
  it("returns one unit vector per text, in order, as the server computed them", async () => {
    const texts = ["the cat sat on the mat", "quarterly revenue figures", ""];
    const vectors = await make().embed(texts, { model: "fake-embed", kind: "passage" });
    expect(vectors).toHaveLength(3);
    for (const [i, vector] of vectors.entries()) {
      expect(vector).toHaveLength(256);
      expect(length(vector)).toBeCloseTo(1, 6);
      expect(vector).toEqual(fakeEmbedding(texts[i]!).map((x) => expect.closeTo(x, 6)));
    }
    const sent = fake.embeddingRequests.at(-1)!;
    expect(sent.path).toBe("/v1/embeddings");
    expect(sent.body).toEqual({ model: "fake-embed", input: texts });
  });

  it("keeps texts that share words closer than texts that do not", async () => {
    const [query, near, far] = await make().embed(
      ["how many vacation days do employees get", "employees get thirty vacation days a year", "the server returns JSON"],
      { model: "fake-embed", kind: "passage" },
    );
    expect(dot(query!, near!)).toBeGreaterThan(dot(query!, far!) + 0.3);
  });

  it("sends batches of EMBEDDINGS_BATCH_SIZE: 70 texts at 32 are 3 requests", async () => {
    const texts = Array.from({ length: 70 }, (_, i) => `text number ${i}`);
    const vectors = await make({ batchSize: 32 }).embed(texts, { model: "fake-embed", kind: "passage" });
    expect(vectors).toHaveLength(70);
    expect(fake.embeddingRequests.map((r) => (r.body.input as string[]).length)).toEqual([32, 32, 6]);
    // the order survives batching
    expect(vectors[69]).toEqual(fakeEmbedding("text number 69").map((x) => expect.closeTo(x, 6)));
  });

  it("sends the E5 prefixes on the wire, and none for models without them", async () => {
    const e5 = make({ model: "intfloat/multilingual-e5-large" });
    await e5.embed(["where is the invoice"], { model: "intfloat/multilingual-e5-large", kind: "query" });
    await e5.embed(["the invoice is attached"], { model: "intfloat/multilingual-e5-large", kind: "passage" });
    await make().embed(["plain"], { model: "fake-embed", kind: "query" });
    expect(fake.embeddingRequests.map((r) => r.body.input)).toEqual([
      ["query: where is the invoice"],
      ["passage: the invoice is attached"],
      ["plain"],
    ]);
  });

  it("sends the bearer key and the model it is asked for", async () => {
    const seen: Array<{ auth: string | null; body: string }> = [];
    const spy: typeof fetch = async (input, init) => {
      seen.push({ auth: new Headers(init?.headers).get("authorization"), body: String(init?.body) });
      return fetch(input, init);
    };
    const remote = make({ apiKey: "sk-test", fetch: spy, multilingualModel: "multi" });
    await remote.embed(["x"], { model: remote.modelFor("de"), kind: "passage" });
    expect(seen[0]!.auth).toBe("Bearer sk-test");
    expect(JSON.parse(seen[0]!.body).model).toBe("multi");
    expect(remote.modelFor("en")).toBe("fake-embed");
    expect(remote.modelFor(undefined)).toBe("fake-embed");
  });

  it("stops when aborted, with the caller's reason", async () => {
    fake.defaults.embeddingsDelayMs = 2000;
    const controller = new AbortController();
    const started = Date.now();
    const promise = make().embed(["slow"], { model: "fake-embed", kind: "passage", signal: controller.signal });
    setTimeout(() => controller.abort(new Error("user went away")), 50);
    await expect(promise).rejects.toThrow("user went away");
    expect(Date.now() - started).toBeLessThan(1000);
    // an aborted signal sends nothing at all
    const before = fake.embeddingRequests.length;
    await expect(make().embed(["x"], { model: "fake-embed", kind: "passage", signal: AbortSignal.abort() })).rejects.toThrow();
    expect(fake.embeddingRequests.length).toBe(before);
  });

  it("names the server and the status when the server fails", async () => {
    fake.defaults.embeddingsError = { status: 503, message: "model is loading" };
    const error = await make().embed(["x"], { model: "fake-embed", kind: "passage" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RemoteServerError);
    expect((error as RemoteServerError).status).toBe(503);
    expect((error as Error).message).toBe(
      `The embedding server at ${fake.url} answered 503 to POST /embeddings: model is loading`,
    );
  });

  it("says when the server cannot be reached and when it is too slow", async () => {
    const gone = await make({ baseUrl: goneUrl }).embed(["x"], { model: "m", kind: "query" }).catch((e: unknown) => e);
    const escaped = goneUrl.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
    expect((gone as Error).message).toMatch(
      new RegExp(`^The embedding server at ${escaped} did not answer \\(.*ECONNREFUSED.*\\)\\. Check EMBEDDINGS_BASE_URL and that the server is running\\.$`),
    );

    fake.defaults.embeddingsDelayMs = 1000;
    const slow = await make({ timeoutMs: 100 }).embed(["x"], { model: "m", kind: "query" }).catch((e: unknown) => e);
    expect((slow as Error).message).toMatch(/did not answer POST \/embeddings within 0\.1 s/);
  });

  it("reports ready or unavailable from GET /models, cached for a while", async () => {
    const remote = make({ model: "bge", multilingualModel: "e5-multi" });
    expect(await remote.status()).toEqual({
      state: "ready",
      provider: "remote",
      detail: `Embeddings by bge (and e5-multi for other languages) at ${fake.url}.`,
    });

    const down = await make({ baseUrl: goneUrl }).status();
    expect(down.state).toBe("unavailable");
    expect(down.detail).toMatch(/did not answer .*Retrieval is lexical only until it answers\.$/);

    // cached: a second status within 10 s does not probe again
    let probes = 0;
    const counting = make({ fetch: (input, init) => (probes++, fetch(input, init)) });
    await counting.status();
    await counting.status();
    expect(probes).toBe(1);
  });
});

describe("embedder() and embeddingStatus()", () => {
  it("picks the remote embedder when EMBEDDINGS_BASE_URL is set, and rebuilds it when settings change", async () => {
    process.env.EMBEDDINGS_BASE_URL = fake.url;
    process.env.EMBEDDINGS_MODEL = "first-model";
    const first = embedder();
    expect(first?.provider).toBe("remote");
    expect(embedder()).toBe(first);
    expect(first!.modelFor("en")).toBe("first-model");
    expect((await embeddingStatus()).state).toBe("ready");

    process.env.EMBEDDINGS_MODEL = "second-model";
    const second = embedder();
    expect(second).not.toBe(first);
    expect(second!.modelFor("en")).toBe("second-model");
    await second!.embed(["hello"], { model: "second-model", kind: "query" });
    expect(fake.embeddingRequests.at(-1)!.body.model).toBe("second-model");
  });

  it("is null, with a helpful status, when downloads are off and there is no model file or server", async () => {
    delete process.env.EMBEDDINGS_BASE_URL;
    delete process.env.EMBEDDINGS_MODEL_PATH;
    process.env.EMBEDDINGS_DOWNLOAD = "0";
    expect(embedder()).toBeNull();
    const status = await embeddingStatus();
    expect(status).toMatchObject({ state: "unavailable", provider: "none" });
    expect(status.detail).toMatch(/lexical only/);
    expect(status.detail).toMatch(/EMBEDDINGS_BASE_URL/);
    expect(status.detail).toMatch(/EMBEDDINGS_MODEL_PATH/);
  });
});
