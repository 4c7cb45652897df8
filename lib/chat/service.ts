import { randomUUID } from "node:crypto";
import { chatModel } from "../ai/chat-model";
import type { Authenticated } from "../auth/authenticate";
import { badRequest } from "../http/errors";
import type { Trace } from "../telemetry/trace";
import { assertMessageLength, prepareChatTurn } from "./conversation";
import type { ChatRequest } from "./schemas";
import { runTurn } from "./turn";
import { uiMessageStreamResponse } from "./ui-stream";

/**
 * POST /api/chat for the web UI (session) and API callers (bearer key): one turn
 * of a stored chat, streamed as an AI SDK UI message stream. The request
 * pipeline has authenticated the caller and parsed the body.
 */
export async function chatResponse(request: Request, user: Authenticated, body: ChatRequest, trace: Trace): Promise<Response> {
  const message = userMessage(body);
  if (body.trigger === "submit-message") {
    if (!message) throw badRequest("message is required.");
    assertMessageLength(message.text);
  }
  const chatId = body.id ?? randomUUID();
  const provider = await chatModel();
  const abort = new AbortController();
  const turn = await prepareChatTurn(
    { user, chatId, trigger: body.trigger, message, messageId: body.messageId },
    trace,
    provider,
    abort.signal,
  );
  return uiMessageStreamResponse(
    {
      messageId: turn.messageId,
      requestId: trace.id,
      requestSignal: request.signal,
      headers: { "x-request-id": trace.id, "x-chat-id": chatId },
    },
    (emit, signal) => {
      signal.addEventListener("abort", () => abort.abort(signal.reason), { once: true });
      return runTurn(turn, emit);
    },
  );
}

function userMessage(body: ChatRequest): { clientId: string; text: string } | undefined {
  if (body.message === undefined) return undefined;
  if (typeof body.message === "string") return { clientId: randomUUID(), text: body.message };
  const text = body.message.parts
    .map((part) => (part.type === "text" && typeof part.text === "string" ? part.text : ""))
    .join("");
  return { clientId: body.message.id, text };
}
