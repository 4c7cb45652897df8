import type { LanguageModelV4, LanguageModelV4FunctionTool, LanguageModelV4Prompt } from "@ai-sdk/provider";
import { APICallError } from "ai";
import { ModelUnavailableError } from "../ai/types";
import { upstreamEnded, upstreamStarted } from "../telemetry/metrics";

export type StreamOutcome = "complete" | "aborted" | "timeout" | "error";

export interface ModelStreamResult {
  text: string;
  outcome: StreamOutcome;
  finishReason: string;
  error?: { code: string; message: string };
  promptTokens?: number;
  completionTokens?: number;
  /** From the model call to its first token. */
  ttftMs?: number;
  /** From the first token to the last. */
  generationMs?: number;
  /** Tools the model asked to call (only when `tools` were offered). */
  toolCalls: Array<{ toolCallId: string; toolName: string; input: string }>;
}

export interface ModelStreamRequest {
  model: () => Promise<LanguageModelV4>;
  system: string;
  /** Oldest first; the last one is the user's new message. */
  messages: Array<{ role: "user" | "assistant"; text: string }>;
  /** Messages after the history: a tool call and its result. */
  followUp?: LanguageModelV4Prompt;
  tools?: LanguageModelV4FunctionTool[];
  maxOutputTokens?: number;
  temperature?: number;
  /** Aborting it cancels the request to the model server. */
  signal: AbortSignal;
  firstTokenTimeoutMs: number;
  idleTimeoutMs: number;
  onDelta: (text: string) => void;
}

class StreamTimeout extends Error {
  constructor(readonly which: "first_token" | "idle", ms: number) {
    super(
      which === "first_token"
        ? `The model did not start answering within ${Math.round(ms / 1000)} s.`
        : `The model stopped sending for ${Math.round(ms / 1000)} s.`,
    );
  }
}

/**
 * Streams one answer from the model. Never throws: every way a stream can end
 * (done, stopped, timed out, failed) comes back as a result with the text so
 * far. Cancelling `signal` or a timeout aborts the upstream HTTP request.
 */
export async function streamModel(request: ModelStreamRequest): Promise<ModelStreamResult> {
  const started = performance.now();
  const controller = new AbortController();
  const onCallerAbort = () => controller.abort(request.signal.reason);
  if (request.signal.aborted) onCallerAbort();
  request.signal.addEventListener("abort", onCallerAbort, { once: true });

  let timer: ReturnType<typeof setTimeout> | undefined;
  let timeout: StreamTimeout | undefined;
  const arm = (which: "first_token" | "idle", ms: number) => {
    clearTimeout(timer);
    if (ms > 0) {
      timer = setTimeout(() => {
        timeout = new StreamTimeout(which, ms);
        controller.abort(timeout);
      }, ms);
    }
  };

  let text = "";
  let firstAt: number | undefined;
  let lastAt: number | undefined;
  let finishReason = "unknown";
  let failure: unknown;
  let promptTokens: number | undefined;
  let completionTokens: number | undefined;
  const toolCalls: ModelStreamResult["toolCalls"] = [];

  arm("first_token", request.firstTokenTimeoutMs);
  upstreamStarted();
  try {
    const model = await request.model();
    // The provider's own stream (AI SDK LanguageModelV4): one answer, no tools,
    // so streamText's step and tool machinery would only add per-token cost.
    const { stream } = await model.doStream({
      prompt: [...toPrompt(request.system, request.messages), ...(request.followUp ?? [])],
      tools: request.tools,
      maxOutputTokens: request.maxOutputTokens,
      temperature: request.temperature,
      abortSignal: controller.signal,
    });
    const reader = stream.getReader();
    for (let next = await reader.read(); !next.done; next = await reader.read()) {
      const part = next.value;
      if (part.type === "text-delta") {
        if (!part.delta) continue;
        lastAt = performance.now();
        if (firstAt === undefined) firstAt = lastAt;
        arm("idle", request.idleTimeoutMs);
        text += part.delta;
        request.onDelta(part.delta);
      } else if (part.type === "finish") {
        finishReason = part.finishReason.unified;
        promptTokens = part.usage.inputTokens.total;
        completionTokens = part.usage.outputTokens.total;
      } else if (part.type === "tool-call") {
        arm("idle", request.idleTimeoutMs);
        toolCalls.push({ toolCallId: part.toolCallId, toolName: part.toolName, input: part.input });
      } else if (part.type === "error") {
        failure = part.error;
      }
    }
  } catch (error) {
    failure = error;
  } finally {
    clearTimeout(timer);
    request.signal.removeEventListener("abort", onCallerAbort);
    upstreamEnded();
  }

  const timing = {
    ttftMs: firstAt === undefined ? undefined : firstAt - started,
    generationMs: firstAt === undefined || lastAt === undefined ? undefined : lastAt - firstAt,
  };
  const base = { text, promptTokens, completionTokens, toolCalls, ...timing };
  if (timeout) {
    return { ...base, outcome: "timeout", finishReason: "timeout", error: { code: `timeout_${timeout.which}`, message: timeout.message } };
  }
  if (request.signal.aborted) return { ...base, outcome: "aborted", finishReason: "aborted" };
  if (failure !== undefined || (finishReason === "unknown" && controller.signal.aborted)) {
    return { ...base, outcome: "error", finishReason: "error", error: describeFailure(failure) };
  }
  return { ...base, outcome: "complete", finishReason };
}

function toPrompt(system: string, messages: ModelStreamRequest["messages"]): LanguageModelV4Prompt {
  return [
    { role: "system", content: system },
    ...messages.map((m) => ({ role: m.role, content: [{ type: "text" as const, text: m.text }] })),
  ];
}

export function describeFailure(error: unknown): { code: string; message: string } {
  if (error instanceof ModelUnavailableError) return { code: "model_unavailable", message: error.message };
  if (APICallError.isInstance(error)) {
    if (error.statusCode) {
      return {
        code: "model_error",
        message: `The model server answered ${error.statusCode}${error.message ? `: ${error.message}` : ""}.`,
      };
    }
    return { code: "model_unreachable", message: `Could not reach the model server (${error.message}).` };
  }
  const message = error instanceof Error ? error.message : String(error ?? "unknown error");
  if (/ECONNREFUSED|fetch failed|ECONNRESET|socket|terminated/i.test(message)) {
    return { code: "model_unreachable", message: `The connection to the model server failed (${message}).` };
  }
  return { code: "model_error", message: `The model failed: ${message}` };
}
