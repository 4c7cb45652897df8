import { randomUUID } from "node:crypto";
import { chatModel } from "../ai/chat-model";
import type { ChatModelProvider } from "../ai/types";
import type { Authenticated } from "../auth/authenticate";
import { badRequest, HttpError } from "../http/errors";
import { DeltaCoalescer, sseData, streamResponse } from "../http/sse";
import type { Trace } from "../telemetry/trace";
import type { HistoryMessage } from "./context";
import { assertMessageLength } from "./conversation";
import type { CompletionRequest } from "./schemas";
import { runTurn, type TurnResult } from "./turn";

/** Names a client may use for Parley's model: the served model's own name, or "parley". */
function assertModel(requested: string | undefined, provider: ChatModelProvider) {
  if (!requested || requested === provider.modelName || requested === "parley") return;
  throw new HttpError("not_found", `The model "${requested}" does not exist. Available: "${provider.modelName}".`);
}

function contentText(content: CompletionRequest["messages"][number]["content"]): string {
  if (content == null) return "";
  if (typeof content === "string") return content;
  return content.map((part) => (part.type === "text" && typeof part.text === "string" ? part.text : "")).join("");
}

/** Splits an OpenAI message list into caller instructions and chat history. */
function toTurnInput(messages: CompletionRequest["messages"]) {
  const instructions: string[] = [];
  const history: HistoryMessage[] = [];
  messages.forEach((message, index) => {
    const text = contentText(message.content);
    if (message.role === "system" || message.role === "developer") instructions.push(text);
    else if (message.role === "user" || message.role === "assistant") history.push({ seq: index, role: message.role, text });
  });
  const last = history.at(-1);
  if (!last || last.role !== "user") throw badRequest("messages must end with a user message.");
  assertMessageLength(last.text);
  return { instructions: instructions.join("\n\n") || undefined, history };
}

const FINISH: Record<string, string> = { stop: "stop", length: "length", "content-filter": "content_filter" };

/**
 * POST /v1/chat/completions: the same turn runner as the UI, in OpenAI's wire
 * format. The request pipeline has authenticated the caller and parsed the body.
 */
export async function completionResponse(request: Request, user: Authenticated, body: CompletionRequest, trace: Trace): Promise<Response> {
  const provider = await chatModel();
  assertModel(body.model, provider);
  const { instructions, history } = await trace.time("history_load", async () => toTurnInput(body.messages));
  const id = `chatcmpl-${trace.id}`;
  const created = Math.floor(Date.now() / 1000);
  const model = provider.modelName;
  const turn = (signal: AbortSignal) => ({
    trace,
    provider,
    history,
    instructions,
    signal,
    messageId: randomUUID(),
    maxOutputTokens: body.max_completion_tokens ?? body.max_tokens ?? undefined,
    temperature: body.temperature ?? undefined,
    knowledge: body.knowledge_base === false ? undefined : { userId: user.id },
  });
  const usageOf = (result: TurnResult) => ({
    prompt_tokens: result.promptTokens ?? 0,
    completion_tokens: result.completionTokens ?? 0,
    total_tokens: (result.promptTokens ?? 0) + (result.completionTokens ?? 0),
  });
  const headers = { "x-request-id": trace.id };

  if (!body.stream) {
    const result = await runTurn(turn(request.signal), () => {});
    if (result.error && result.text === "") {
      const status = result.error.code === "model_unavailable" ? 503 : result.outcome === "timeout" ? 504 : 502;
      return Response.json({ error: { message: result.error.message, type: "server_error", code: result.error.code } }, { status, headers });
    }
    return Response.json(
      {
        id,
        object: "chat.completion",
        created,
        model,
        choices: [
          { index: 0, message: { role: "assistant", content: result.text }, finish_reason: FINISH[result.finishReason] ?? "stop" },
        ],
        usage: usageOf(result),
        ...sourcesField(result),
      },
      { headers },
    );
  }

  return streamResponse(
    async (write, signal) => {
      const chunk = (delta: Record<string, unknown>, finish: string | null = null) =>
        write(sseData({ id, object: "chat.completion.chunk", created, model, choices: [{ index: 0, delta, finish_reason: finish }] }));
      chunk({ role: "assistant", content: "" });
      const coalescer = new DeltaCoalescer((content) => chunk({ content }));
      await runTurn(turn(signal), (event) => {
        if (event.type === "delta") return coalescer.push(event.text);
        coalescer.flush();
        const result = event.result;
        if (result.error) {
          write(sseData({ error: { message: result.error.message, type: "server_error", code: result.error.code } }));
        } else {
          write(
            sseData({
              id,
              object: "chat.completion.chunk",
              created,
              model,
              choices: [{ index: 0, delta: {}, finish_reason: FINISH[result.finishReason] ?? "stop" }],
              ...sourcesField(result),
            }),
          );
          if (body.stream_options?.include_usage) {
            write(sseData({ id, object: "chat.completion.chunk", created, model, choices: [], usage: usageOf(result) }));
          }
        }
        write(sseData("[DONE]"));
      });
    },
    { requestSignal: request.signal, headers },
  );
}

/**
 * Parley's extra response field: the knowledge-base passages the model was
 * given, numbered as the answer cites them ([n]), with `cited` telling which
 * the answer used. Absent when the knowledge base was not searched.
 */
function sourcesField(result: TurnResult) {
  if (!result.knowledge) return {};
  return {
    sources: result.knowledge.sources.map((s) => ({
      index: s.n,
      document_id: s.documentId,
      document_name: s.documentName,
      page: s.page,
      page_end: s.pageEnd,
      heading_path: s.headingPath,
      text: s.text,
      cited: s.cited,
    })),
  };
}

/** GET /v1/models */
export async function modelsResponse(): Promise<Response> {
  const provider = await chatModel();
  return Response.json({
    object: "list",
    data: [{ id: provider.modelName, object: "model", created: 0, owned_by: "parley" }],
  });
}
