import http from "node:http";
import type { AddressInfo } from "node:net";

/**
 * A deterministic OpenAI-compatible model server for tests, e2e and benchmarks.
 * Never used by the app at run time.
 *
 * Behaviour comes from rules: the first rule whose `match` occurs in the
 * request's last user message (or, with `anywhere`, in any message) decides the
 * reply, timing and failures; else the defaults apply. Rules are added over
 * HTTP (`POST /__fake/rules`) so e2e tests in other processes can steer it.
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
}

export interface FakeLlm {
  url: string;
  port: number;
  requests: RecordedRequest[];
  defaults: FakeBehaviour;
  rules: FakeRule[];
  reset(): void;
  close(): Promise<void>;
}

export function textOf(message: ChatMessage | undefined): string {
  if (!message) return "";
  if (typeof message.content === "string") return message.content;
  return message.content.map((part) => part.text ?? "").join("");
}

/** Splits text into word-sized tokens that join back to the same text. */
export function tokenize(text: string): string[] {
  return text.match(/\s*\S+|\s+/g) ?? [];
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function startFakeLlm(options: { port?: number; defaults?: FakeBehaviour } = {}): Promise<FakeLlm> {
  const initialDefaults: FakeBehaviour = { ttftMs: 0, tokensPerSec: 0, ...options.defaults };
  const state = {
    requests: [] as RecordedRequest[],
    defaults: { ...initialDefaults },
    rules: [] as FakeRule[],
  };
  let counter = 0;

  function behaviourFor(body: ChatBody): FakeBehaviour {
    const messages = body.messages ?? [];
    const lastUser = textOf([...messages].reverse().find((m) => m.role === "user"));
    const all = messages.map(textOf).join("\n");
    const rule = state.rules.find((r) => (r.anywhere ? all : lastUser).includes(r.match));
    return { reply: `You said: ${lastUser}`, ...state.defaults, ...rule };
  }

  const server = http.createServer(async (req, res) => {
    try {
      const url = new URL(req.url ?? "/", "http://x");
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

  function reset() {
    state.requests.length = 0;
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
