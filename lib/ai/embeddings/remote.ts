/**
 * Embeddings from an OpenAI-compatible server (vLLM or TEI on the GPU node,
 * the fake server in tests), plus the small HTTP helpers the remote reranker
 * shares: JSON POSTs with clear errors and a cached `GET /models` probe.
 */
import { displayUrl } from "../embedded/download";
import { modelFor } from "./language";
import { withPrefixes } from "./prefixes";
import type { Embedder, EmbeddingStatus } from "./types";

export type RemoteServer = {
  baseUrl: string;
  apiKey?: string;
  /** How errors name it: "embedding server", "rerank server". */
  name: string;
  /** The setting that points at it, for hints: "EMBEDDINGS_BASE_URL". */
  setting: string;
  /** Per request. Default 60 s. */
  timeoutMs?: number;
  fetch?: typeof fetch;
};

/** The server could not be reached or answered with an error. */
export class RemoteServerError extends Error {
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
    this.name = "RemoteServerError";
  }
}

const PROBE_TTL_MS = 10_000;
const PROBE_TIMEOUT_MS = 2_000;

const trimBase = (url: string) => url.replace(/\/+$/, "");
const describe = (server: RemoteServer) => `The ${server.name} at ${displayUrl(trimBase(server.baseUrl))}`;

function headers(server: RemoteServer): Record<string, string> {
  return {
    "content-type": "application/json",
    ...(server.apiKey ? { authorization: `Bearer ${server.apiKey}` } : {}),
  };
}

function causeOf(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  return error.cause instanceof Error ? error.cause.message : error.message;
}

/** What an error body says: OpenAI `{error: {message}}`, `{error}`, `{message}`, `{detail}` or text. */
function errorText(body: string): string {
  try {
    const parsed = JSON.parse(body) as { error?: { message?: unknown } | string; message?: unknown; detail?: unknown };
    const said =
      (typeof parsed.error === "object" ? parsed.error?.message : parsed.error) ?? parsed.message ?? parsed.detail;
    if (said !== undefined) return typeof said === "string" ? said : JSON.stringify(said);
  } catch {
    // not JSON: the text itself
  }
  return body.trim().slice(0, 300);
}

/** `GET`/`POST` `<base><path>`; throws RemoteServerError naming the server, or the caller's abort reason. */
async function request(server: RemoteServer, path: string, init: { method: string; body?: unknown; signal?: AbortSignal; timeoutMs: number }): Promise<unknown> {
  const timeout = AbortSignal.timeout(init.timeoutMs);
  const signal = init.signal ? AbortSignal.any([init.signal, timeout]) : timeout;
  const what = `${init.method} ${path}`;
  let response: Response;
  try {
    response = await (server.fetch ?? fetch)(`${trimBase(server.baseUrl)}${path}`, {
      method: init.method,
      headers: headers(server),
      body: init.body === undefined ? undefined : JSON.stringify(init.body),
      signal,
    });
  } catch (error) {
    if (init.signal?.aborted) throw init.signal.reason;
    if (timeout.aborted) throw new RemoteServerError(`${describe(server)} did not answer ${what} within ${init.timeoutMs / 1000} s.`);
    throw new RemoteServerError(
      `${describe(server)} did not answer (${causeOf(error)}). Check ${server.setting} and that the server is running.`,
    );
  }
  let text: string;
  try {
    text = await response.text();
  } catch (error) {
    if (init.signal?.aborted) throw init.signal.reason;
    throw new RemoteServerError(`${describe(server)} broke off its answer to ${what} (${causeOf(error)}).`);
  }
  if (!response.ok) {
    const said = errorText(text);
    throw new RemoteServerError(`${describe(server)} answered ${response.status} to ${what}${said ? `: ${said}` : ""}`, response.status);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new RemoteServerError(`${describe(server)} answered ${what} with something that is not JSON: ${text.slice(0, 100)}`);
  }
}

export function postJson(server: RemoteServer, path: string, body: unknown, signal?: AbortSignal): Promise<unknown> {
  return request(server, path, { method: "POST", body, signal, timeoutMs: server.timeoutMs ?? 60_000 });
}

export type ProbeResult = { ok: true } | { ok: false; detail: string };

/**
 * A health check: `GET <base>/models`, its result cached for 10 s. A 404
 * counts as up: the server answers but lists no models (TEI's own routes).
 */
export function modelsProbe(server: RemoteServer): () => Promise<ProbeResult> {
  let cached: { at: number; result: Promise<ProbeResult> } | undefined;
  const probe = (): Promise<ProbeResult> =>
    request(server, "/models", { method: "GET", timeoutMs: PROBE_TIMEOUT_MS }).then(
      () => ({ ok: true as const }),
      (error: unknown) =>
        error instanceof RemoteServerError && error.status === 404
          ? { ok: true as const }
          : { ok: false as const, detail: error instanceof Error ? error.message : String(error) },
    );
  return () => {
    if (!cached || Date.now() - cached.at > PROBE_TTL_MS) cached = { at: Date.now(), result: probe() };
    return cached.result;
  };
}

/** The vector scaled to length 1 (a zero vector stays zero). */
export function normalize(vector: number[]): number[] {
  let sum = 0;
  for (const x of vector) sum += x * x;
  const norm = Math.sqrt(sum);
  return norm > 0 ? vector.map((x) => x / norm) : vector;
}

export type RemoteEmbedderOptions = {
  baseUrl: string;
  apiKey?: string;
  /** Default and multilingual model (see modelFor). */
  model: string;
  multilingualModel?: string;
  /** Texts per request. Default 32. */
  batchSize?: number;
  timeoutMs?: number;
  fetch?: typeof fetch;
};

type EmbeddingsResponse = { data?: Array<{ index?: number; embedding?: unknown }> };

function vectorsOf(server: RemoteServer, body: unknown, expected: number): number[][] {
  const data = (body as EmbeddingsResponse | null)?.data;
  if (!Array.isArray(data) || data.length !== expected) {
    throw new RemoteServerError(
      `${describe(server)} sent ${Array.isArray(data) ? data.length : "no"} embeddings for ${expected} texts.`,
    );
  }
  const ordered = [...data].sort((a, b) => (a.index ?? 0) - (b.index ?? 0));
  return ordered.map(({ embedding }) => {
    if (!Array.isArray(embedding) || embedding.length === 0 || !embedding.every((x) => typeof x === "number")) {
      throw new RemoteServerError(`${describe(server)} sent an embedding that is not a list of numbers.`);
    }
    return normalize(embedding as number[]);
  });
}

export function createRemoteEmbedder(options: RemoteEmbedderOptions): Embedder {
  const server: RemoteServer = {
    baseUrl: options.baseUrl,
    apiKey: options.apiKey,
    name: "embedding server",
    setting: "EMBEDDINGS_BASE_URL",
    timeoutMs: options.timeoutMs,
    fetch: options.fetch,
  };
  const batchSize = Math.max(1, options.batchSize ?? 32);
  const models = { model: options.model, multilingualModel: options.multilingualModel };
  const probe = modelsProbe(server);
  const shown = displayUrl(trimBase(options.baseUrl));

  return {
    provider: "remote",
    modelFor: (language) => modelFor(language, models),

    async status(): Promise<EmbeddingStatus> {
      const result = await probe();
      if (!result.ok) {
        return { state: "unavailable", provider: "remote", detail: `${result.detail} Retrieval is lexical only until it answers.` };
      }
      const names = models.multilingualModel ? `${models.model} (and ${models.multilingualModel} for other languages)` : models.model;
      return { state: "ready", provider: "remote", detail: `Embeddings by ${names} at ${shown}.` };
    },

    async embed(texts, { model, kind, signal }) {
      const inputs = withPrefixes(texts, model, kind);
      const vectors: number[][] = [];
      for (let start = 0; start < inputs.length; start += batchSize) {
        signal?.throwIfAborted();
        const input = inputs.slice(start, start + batchSize);
        const body = await postJson(server, "/embeddings", { model, input }, signal);
        for (const vector of vectorsOf(server, body, input.length)) {
          if (vector.length !== (vectors[0] ?? vector).length) {
            throw new RemoteServerError(`${describe(server)} sent vectors of different lengths for one model (${model}).`);
          }
          vectors.push(vector);
        }
      }
      return vectors;
    },
  };
}
