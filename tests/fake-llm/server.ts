import http from "node:http";
import { fnv1a } from "../helpers/deterministic";
import { durationSeconds, encodeWav, parseWav, pcm16 } from "../../lib/speech/wav";
import type { AddressInfo } from "node:net";

/**
 * A deterministic OpenAI-compatible model server for tests, e2e and benchmarks.
 * Never used by the app at run time.
 *
 * Behaviour comes from rules: the first rule whose `match` occurs in the
 * request's last user message (or, with `anywhere`, in any message) decides the
 * reply, timing and failures; else the defaults apply. Rules are added over
 * HTTP (`POST /__fake/rules`) so e2e tests in other processes can steer it.
 *
 * It also answers `POST /v1/embeddings` and `POST /v1/rerank` (or `/rerank`)
 * for the knowledge base. These are test devices, not models: an embedding is
 * a hashed bag of word stems (see fakeEmbedding) and a rerank score is the
 * share of the query's word stems a document contains (see fakeRerankScore).
 * Texts that share words come out closer than texts that do not, which is all
 * a test of the plumbing needs; it says nothing about retrieval quality.
 *
 * Speech: `POST /v1/audio/speech` answers a real WAV (24 kHz mono, a tone
 * whose length follows the text: ~0.33 s a word at speed 1), after
 * `speechDelayMs` (a rule whose `match` occurs in the input, else the
 * defaults), so tests can prove that playback starts before the last
 * sentence is made. `POST /v1/audio/transcriptions` answers `transcript`
 * (default: "fake transcript of N.N seconds"). Recorded under `kind=speech`
 * and `kind=transcriptions`.
 */
export interface FakeBehaviour {
  /** The whole reply. Default: "You said: <last user message>". */
  reply?: string;
  ttftMs?: number;
  tokensPerSec?: number;
  /** Answer with this HTTP error instead of a completion. */
  error?: { status: number; message: string };
  /** Close the connection abruptly after this many tokens. */
  dropAfterTokens?: number;
  /** Stop sending (but keep the connection open) after this many tokens. */
  stallAfterTokens?: number;
  /** Defaults only: answer `/v1/embeddings` with this HTTP error. */
  embeddingsError?: { status: number; message: string };
  /** Defaults only: wait this long before answering `/v1/embeddings` (for abort and timeout tests). */
  embeddingsDelayMs?: number;
  /** Defaults only: answer `/v1/rerank` and `/rerank` with this HTTP error. */
  rerankError?: { status: number; message: string };
  /**
   * Defaults only. "cohere" (default): `{ results: [{ index, relevance_score }] }`, as
   * vLLM, Jina and Cohere answer. "tei": Hugging Face TEI's own API, which wants the
   * documents as `texts` (422 without) and answers a bare `[{ index, score }]`.
   */
  rerankFormat?: "cohere" | "tei";
  /** Defaults only: send raw logits (outside 0..1) instead of probabilities. */
  rerankRawScores?: boolean;
  /**
   * Call this tool instead of answering (when the request offers it and holds no
   * tool result yet): the reply is then the tool call, finish_reason "tool_calls".
   */
  toolCall?: { name: string; arguments: Record<string, unknown> };
  /** `/v1/audio/speech`: wait this long before answering (per request; a rule applies when its match is in the input). */
  speechDelayMs?: number;
  /** `/v1/audio/speech`: answer with this HTTP error. */
  speechError?: { status: number; message: string };
  /** Defaults only: what `/v1/audio/transcriptions` hears. */
  transcript?: string;
  /** Defaults only: answer `/v1/audio/transcriptions` with this HTTP error. */
  transcriptionError?: { status: number; message: string };
}

export interface FakeRule extends FakeBehaviour {
  match: string;
  anywhere?: boolean;
}

export interface RecordedRequest {
  id: string;
  path: string;
  body: ChatBody;
  receivedAt: number;
  firstByteAt?: number;
  /** When the first content token was written, in ms since the epoch with sub-ms precision (comparable across processes). */
  firstTokenAt?: number;
  tokensSent: number;
  /** The client went away before the reply was complete. */
  aborted: boolean;
  completed: boolean;
}

/** A recorded `/v1/embeddings` or `/v1/rerank` request. */
export interface RecordedCall {
  id: string;
  path: string;
  body: Record<string, unknown>;
  receivedAt: number;
  /** Speech requests: when the audio was sent (ms since the epoch). */
  completedAt?: number;
}

interface ChatMessage {
  role: string;
  content: string | Array<{ type: string; text?: string }>;
}
interface ChatBody {
  model?: string;
  messages?: ChatMessage[];
  stream?: boolean;
  max_tokens?: number;
  stream_options?: { include_usage?: boolean };
  tools?: Array<{ type: string; function?: { name: string; description?: string; parameters?: unknown } }>;
}

export interface FakeLlm {
  url: string;
  port: number;
  /** Chat completion requests. */
  requests: RecordedRequest[];
  /** `POST /v1/embeddings` requests (also over HTTP: `GET /__fake/requests?kind=embeddings`). */
  embeddingRequests: RecordedCall[];
  /** `POST /v1/rerank` and `/rerank` requests (`GET /__fake/requests?kind=rerank`). */
  rerankRequests: RecordedCall[];
  /** `POST /v1/audio/speech` (`kind=speech`) and `/v1/audio/transcriptions` (`kind=transcriptions`) requests. */
  speechRequests: RecordedCall[];
  transcriptionRequests: RecordedCall[];
  defaults: FakeBehaviour;
  rules: FakeRule[];
  reset(): void;
  close(): Promise<void>;
}

export function textOf(message: ChatMessage | undefined): string {
  if (!message?.content) return "";
  if (typeof message.content === "string") return message.content;
  return message.content.map((part) => part.text ?? "").join("");
}

/** Splits text into word-sized tokens that join back to the same text. */
export function tokenize(text: string): string[] {
  return text.match(/\s*\S+|\s+/g) ?? [];
}

/** Lowercased words with a crude English suffix strip: "Cats" and "cat", "files" and "file", "indexed" and "index" meet. */
export function fakeStems(text: string): string[] {
  return (text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []).map((word) => {
    if (word.length > 5) word = word.replace(/(?:ing|ed)$/, "");
    return word.length > 3 ? word.replace(/([^su])s$/, "$1") : word;
  });
}

export const FAKE_EMBEDDING_DIMENSIONS = 256;
/** Added to every dimension, so an empty text still has a direction. */
const FAKE_EMBEDDING_BIAS = 0.01;


/**
 * The fake server's embedding of a text: each word stem adds 1 to one of 256
 * dimensions (chosen by hash), plus a small bias everywhere; scaled to unit
 * length. Deterministic and model-independent. A test device, not a model.
 */
export function fakeEmbedding(text: string): number[] {
  const vector = new Array<number>(FAKE_EMBEDDING_DIMENSIONS).fill(FAKE_EMBEDDING_BIAS);
  for (const stem of fakeStems(text)) vector[fnv1a(stem) % FAKE_EMBEDDING_DIMENSIONS]! += 1;
  const norm = Math.sqrt(vector.reduce((sum, x) => sum + x * x, 0));
  return vector.map((x) => x / norm);
}

/** Share of the query's distinct word stems that occur in the document, 0..1. A test device, not a model. */
export function fakeRerankScore(query: string, document: string): number {
  const wanted = new Set(fakeStems(query));
  if (wanted.size === 0) return 0;
  const present = new Set(fakeStems(document));
  let hits = 0;
  for (const stem of wanted) if (present.has(stem)) hits++;
  return hits / wanted.size;
}

export const FAKE_SPEECH_RATE = 24_000;

/**
 * The fake server's speech: a real 16-bit mono WAV at 24 kHz, ~0.33 s per
 * word at speed 1 (about 180 words a minute), holding a tone that rises and
 * falls like syllables. A test device, not a voice.
 */
export function fakeSpeech(text: string, speed = 1): Buffer {
  const words = Math.max(1, (text.match(/\S+/g) ?? []).length);
  const samples = Math.round(((words * 0.33) / speed) * FAKE_SPEECH_RATE);
  const pitch = 160 + (fnv1a(text) % 80);
  const wave = new Float32Array(samples);
  for (let i = 0; i < samples; i++) {
    const t = i / FAKE_SPEECH_RATE;
    const syllable = 0.55 + 0.45 * Math.sin(2 * Math.PI * 4 * t);
    wave[i] = 0.4 * syllable * Math.sin(2 * Math.PI * pitch * t);
  }
  return Buffer.from(encodeWav(pcm16(wave, FAKE_SPEECH_RATE)));
}

/** Seconds of audio in a PCM WAV (0 when it is not one). */
function fakeWavSeconds(bytes: Uint8Array): number {
  try {
    return durationSeconds(parseWav(bytes));
  } catch {
    return 0;
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The URL of a model server that has gone away: connections to it are refused. */
export async function goneServerUrl(): Promise<string> {
  const gone = await startFakeLlm();
  await gone.close();
  return gone.url;
}

export async function startFakeLlm(options: { port?: number; defaults?: FakeBehaviour } = {}): Promise<FakeLlm> {
  const initialDefaults: FakeBehaviour = { ttftMs: 0, tokensPerSec: 0, ...options.defaults };
  const state = {
    requests: [] as RecordedRequest[],
    embeddingRequests: [] as RecordedCall[],
    rerankRequests: [] as RecordedCall[],
    speechRequests: [] as RecordedCall[],
    transcriptionRequests: [] as RecordedCall[],
    defaults: { ...initialDefaults },
    rules: [] as FakeRule[],
  };
  let counter = 0;

  function behaviourFor(body: ChatBody): FakeBehaviour {
    const messages = body.messages ?? [];
    const lastUser = textOf([...messages].reverse().find((m) => m.role === "user"));
    const all = messages.map(textOf).join("\n");
    // A tool-calling rule applies only while the tool is offered and has not answered yet.
    const offered = new Set((body.tools ?? []).map((t) => t.function?.name));
    const answered = messages.some((m) => m.role === "tool");
    const rule = state.rules.find(
      (r) =>
        (r.anywhere ? all : lastUser).includes(r.match) &&
        (!r.toolCall || (offered.has(r.toolCall.name) && !answered)),
    );
    return { reply: `You said: ${lastUser}`, ...state.defaults, ...rule };
  }

  const server = http.createServer(async (req, res) => {
    try {
      const url = new URL(req.url ?? "/", "http://x");
      // Audio uploads are binary: read before the text body reader below.
      if (url.pathname === "/v1/audio/transcriptions" && req.method === "POST") return await transcriptions(req, res);
      const raw = await readBody(req);
      if (url.pathname === "/__fake/rules" && req.method === "POST") {
        const rule = JSON.parse(raw) as FakeRule;
        state.rules.unshift(rule);
        return json(res, 200, { ok: true });
      }
      if (url.pathname === "/__fake/defaults" && req.method === "POST") {
        Object.assign(state.defaults, JSON.parse(raw));
        return json(res, 200, { ok: true });
      }
      if (url.pathname === "/__fake/reset" && req.method === "POST") {
        reset();
        return json(res, 200, { ok: true });
      }
      if (url.pathname === "/__fake/requests" && url.searchParams.has("kind")) {
        const kind = url.searchParams.get("kind");
        const lists: Record<string, RecordedCall[]> = {
          rerank: state.rerankRequests,
          embeddings: state.embeddingRequests,
          speech: state.speechRequests,
          transcriptions: state.transcriptionRequests,
        };
        return json(res, 200, lists[kind ?? ""] ?? []);
      }
      if (url.pathname === "/__fake/requests") {
        const match = url.searchParams.get("match");
        const list = match
          ? state.requests.filter((r) => JSON.stringify(r.body.messages ?? []).includes(match))
          : state.requests;
        return json(res, 200, list);
      }
      if (url.pathname === "/v1/models") {
        return json(res, 200, { object: "list", data: [{ id: "fake-model", object: "model", owned_by: "fake" }] });
      }
      if (url.pathname === "/v1/chat/completions" && req.method === "POST") {
        return await complete(req, res, JSON.parse(raw) as ChatBody);
      }
      if (url.pathname === "/v1/embeddings" && req.method === "POST") {
        return await embeddings(res, record(state.embeddingRequests, url.pathname, raw));
      }
      if (url.pathname === "/v1/audio/speech" && req.method === "POST") {
        return await speech(res, record(state.speechRequests, url.pathname, raw));
      }
      if ((url.pathname === "/v1/rerank" || url.pathname === "/rerank") && req.method === "POST") {
        return rerank(res, record(state.rerankRequests, url.pathname, raw));
      }
      json(res, 404, { error: { message: `no route ${req.method} ${url.pathname}` } });
    } catch (error) {
      if (!res.headersSent) json(res, 400, { error: { message: String(error) } });
      else res.destroy();
    }
  });

  async function complete(req: http.IncomingMessage, res: http.ServerResponse, body: ChatBody) {
    const record: RecordedRequest = {
      id: `req-${++counter}`,
      path: "/v1/chat/completions",
      body,
      receivedAt: Date.now(),
      tokensSent: 0,
      aborted: false,
      completed: false,
    };
    state.requests.push(record);
    res.on("close", () => {
      if (!record.completed) record.aborted = true;
    });
    const behaviour = behaviourFor(body);
    if (behaviour.ttftMs) await sleep(behaviour.ttftMs);
    if (record.aborted) return;
    if (behaviour.error) {
      record.completed = true;
      return json(res, behaviour.error.status, { error: { message: behaviour.error.message, type: "fake_error" } });
    }
    if (behaviour.toolCall) {
      record.completed = true;
      return sendToolCall(res, body, record.id, behaviour.toolCall);
    }
    let tokens = tokenize(behaviour.reply ?? "");
    let finishReason = "stop";
    if (body.max_tokens !== undefined && tokens.length > body.max_tokens) {
      tokens = tokens.slice(0, body.max_tokens);
      finishReason = "length";
    }
    const promptTokens = (body.messages ?? []).reduce((n, m) => n + tokenize(textOf(m)).length, 0);
    const usage = { prompt_tokens: promptTokens, completion_tokens: tokens.length, total_tokens: promptTokens + tokens.length };
    const id = `chatcmpl-${record.id}`;
    const created = Math.floor(Date.now() / 1000);
    const model = body.model ?? "fake-model";

    if (!body.stream) {
      record.tokensSent = tokens.length;
      record.completed = true;
      return json(res, 200, {
        id,
        object: "chat.completion",
        created,
        model,
        choices: [{ index: 0, message: { role: "assistant", content: tokens.join("") }, finish_reason: finishReason }],
        usage,
      });
    }

    res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
    res.flushHeaders();
    const send = (data: unknown) => res.write(`data: ${JSON.stringify(data)}\n\n`);
    const chunk = (delta: Record<string, unknown>, finish: string | null = null) =>
      send({ id, object: "chat.completion.chunk", created, model, choices: [{ index: 0, delta, finish_reason: finish }] });
    record.firstByteAt = Date.now();
    chunk({ role: "assistant", content: "" });
    const interval = behaviour.tokensPerSec ? 1000 / behaviour.tokensPerSec : 0;
    const start = Date.now();
    for (let i = 0; i < tokens.length; i++) {
      if (record.aborted) return;
      if (behaviour.dropAfterTokens !== undefined && i >= behaviour.dropAfterTokens) {
        res.destroy();
        return;
      }
      if (behaviour.stallAfterTokens !== undefined && i >= behaviour.stallAfterTokens) {
        // Keep the connection open and silent until the client gives up.
        await new Promise<void>((resolve) => res.on("close", () => resolve()));
        return;
      }
      if (interval) {
        const due = start + i * interval - Date.now();
        if (due > 0) await sleep(due);
      }
      chunk({ content: tokens[i] });
      if (i === 0) record.firstTokenAt = performance.timeOrigin + performance.now();
      record.tokensSent++;
    }
    chunk({}, finishReason);
    if (body.stream_options?.include_usage) send({ id, object: "chat.completion.chunk", created, model, choices: [], usage });
    res.write("data: [DONE]\n\n");
    record.completed = true;
    res.end();
  }

  function sendToolCall(res: http.ServerResponse, body: ChatBody, requestId: string, call: NonNullable<FakeBehaviour["toolCall"]>) {
    const id = `chatcmpl-${requestId}`;
    const created = Math.floor(Date.now() / 1000);
    const model = body.model ?? "fake-model";
    const toolCall = { id: `call-${requestId}`, type: "function", function: { name: call.name, arguments: JSON.stringify(call.arguments) } };
    if (!body.stream) {
      return json(res, 200, {
        id,
        object: "chat.completion",
        created,
        model,
        choices: [{ index: 0, message: { role: "assistant", content: null, tool_calls: [toolCall] }, finish_reason: "tool_calls" }],
        usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 },
      });
    }
    res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
    const send = (delta: Record<string, unknown>, finish: string | null = null) =>
      res.write(`data: ${JSON.stringify({ id, object: "chat.completion.chunk", created, model, choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`);
    send({ role: "assistant", content: null, tool_calls: [{ index: 0, ...toolCall }] });
    send({}, "tool_calls");
    res.write("data: [DONE]\n\n");
    res.end();
  }

  function record(list: RecordedCall[], path: string, raw: string): RecordedCall {
    const call: RecordedCall = { id: `req-${++counter}`, path, body: JSON.parse(raw) as Record<string, unknown>, receivedAt: Date.now() };
    list.push(call);
    return call;
  }

  async function embeddings(res: http.ServerResponse, { body }: RecordedCall) {
    const { embeddingsError: error, embeddingsDelayMs: delay } = state.defaults;
    if (delay) await sleep(delay);
    if (res.destroyed) return;
    if (error) return json(res, error.status, { error: { message: error.message, type: "fake_error" } });
    const input = typeof body.input === "string" ? [body.input] : body.input;
    if (!Array.isArray(input) || !input.every((t) => typeof t === "string")) {
      return json(res, 400, { error: { message: "input must be a string or an array of strings", type: "invalid_request_error" } });
    }
    const tokens = input.reduce((n, text) => n + tokenize(text).length, 0);
    json(res, 200, {
      object: "list",
      data: input.map((text, index) => ({ object: "embedding", index, embedding: fakeEmbedding(text) })),
      model: typeof body.model === "string" ? body.model : "fake-embedding",
      usage: { prompt_tokens: tokens, total_tokens: tokens },
    });
  }

  function rerank(res: http.ServerResponse, { id, body }: RecordedCall) {
    const { rerankError: error, rerankFormat: format, rerankRawScores: raw } = state.defaults;
    if (error) return json(res, error.status, { error: { message: error.message, type: "fake_error" } });
    const given = format === "tei" ? body.texts : body.documents;
    if (format === "tei" && given === undefined) {
      return json(res, 422, { error: "Failed to deserialize the JSON body into the target type: missing field `texts`", error_type: "Validation" });
    }
    const documents = Array.isArray(given) ? given.map((d: unknown) => (typeof d === "string" ? d : String((d as { text?: unknown })?.text ?? ""))) : null;
    if (typeof body.query !== "string" || !documents) {
      return json(res, 400, { error: { message: "query and documents are required", type: "invalid_request_error" } });
    }
    const scored = documents
      .map((document, index) => {
        const score = fakeRerankScore(body.query as string, document);
        return { index, score: raw ? (score - 0.5) * 12 : score };
      })
      .sort((a, b) => b.score - a.score || a.index - b.index)
      .slice(0, typeof body.top_n === "number" ? body.top_n : undefined);
    if (format === "tei") return json(res, 200, scored);
    const tokens = tokenize(body.query).length + documents.reduce((n, d) => n + tokenize(d).length, 0);
    json(res, 200, {
      id: `rerank-${id}`,
      model: typeof body.model === "string" ? body.model : "fake-reranker",
      results: scored.map(({ index, score }) => ({ index, relevance_score: score })),
      usage: { total_tokens: tokens },
    });
  }

  async function speech(res: http.ServerResponse, call: RecordedCall) {
    const { body } = call;
    const input = typeof body.input === "string" ? body.input : "";
    const rule = state.rules.find((r) => input.includes(r.match) && (r.speechDelayMs !== undefined || r.speechError));
    const { speechDelayMs: delay, speechError: error } = { ...state.defaults, ...rule };
    if (delay) await sleep(delay);
    if (res.destroyed) return;
    if (error) return json(res, error.status, { error: { message: error.message, type: "fake_error" } });
    if (!input.trim()) return json(res, 400, { error: { message: "input is required", type: "invalid_request_error" } });
    const format = body.response_format ?? "mp3";
    if (format !== "wav" && format !== "pcm") {
      return json(res, 400, { error: { message: `the fake speech server answers wav or pcm, not ${String(format)}`, type: "invalid_request_error" } });
    }
    const speed = typeof body.speed === "number" && body.speed > 0 ? body.speed : 1;
    const wav = fakeSpeech(input, speed);
    call.completedAt = Date.now();
    res.writeHead(200, { "content-type": format === "wav" ? "audio/wav" : "audio/pcm" });
    res.end(format === "wav" ? wav : wav.subarray(44));
  }

  async function transcriptions(req: http.IncomingMessage, res: http.ServerResponse) {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const form = await new Response(Buffer.concat(chunks), { headers: { "content-type": req.headers["content-type"] ?? "" } })
      .formData()
      .catch(() => null);
    const file = form?.get("file");
    const call: RecordedCall = {
      id: `req-${++counter}`,
      path: "/v1/audio/transcriptions",
      body: { model: form?.get("model"), language: form?.get("language"), bytes: typeof file === "object" && file ? file.size : 0 },
      receivedAt: Date.now(),
    };
    state.transcriptionRequests.push(call);
    const { transcript, transcriptionError: error } = state.defaults;
    if (error) return json(res, error.status, { error: { message: error.message, type: "fake_error" } });
    if (!file || typeof file === "string") return json(res, 400, { error: { message: "file is required", type: "invalid_request_error" } });
    const bytes = new Uint8Array(await file.arrayBuffer());
    const seconds = fakeWavSeconds(bytes);
    json(res, 200, { text: transcript ?? `fake transcript of ${seconds.toFixed(1)} seconds` });
  }

  function reset() {
    state.requests.length = 0;
    state.speechRequests.length = 0;
    state.transcriptionRequests.length = 0;
    state.embeddingRequests.length = 0;
    state.rerankRequests.length = 0;
    state.rules.length = 0;
    state.defaults = { ...initialDefaults };
  }

  await new Promise<void>((resolve) => server.listen(options.port ?? 0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/v1`,
    port,
    get requests() {
      return state.requests;
    },
    get embeddingRequests() {
      return state.embeddingRequests;
    },
    get rerankRequests() {
      return state.rerankRequests;
    },
    get speechRequests() {
      return state.speechRequests;
    },
    get transcriptionRequests() {
      return state.transcriptionRequests;
    },
    get defaults() {
      return state.defaults;
    },
    get rules() {
      return state.rules;
    },
    reset,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function readBody(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let data = "";
    req.setEncoding("utf8");
    req.on("data", (chunk: string) => (data += chunk));
    req.on("end", () => resolve(data));
    req.on("error", reject);
  });
}

function json(res: http.ServerResponse, status: number, body: unknown) {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify(body));
}
