import type { ChatModelProvider } from "../ai/types";
import { config } from "../config";
import type { MessageStatus } from "../db/queries/messages";
import type { Trace, TraceOutcome } from "../telemetry/trace";
import { fitHistory, systemPrompt, type HistoryMessage } from "./context";
import { streamModel, type ModelStreamResult } from "./model-stream";
import { responseTokenLimit } from "./response-length";

export interface TurnRequest {
  trace: Trace;
  provider: ChatModelProvider;
  /** Oldest first; the last one is the user's new message. */
  history: HistoryMessage[];
  summary?: string | null;
  /** Extra instructions from the caller (a /v1 system message), after Parley's own. */
  instructions?: string;
  signal: AbortSignal;
  /** Id of the answer, known before it starts (sent to the client up front). */
  messageId: string;
  /** A caller's explicit limit (the /v1 API's max_tokens) wins over the adaptive one. */
  maxOutputTokens?: number;
  temperature?: number;
  /** Stores the answer; runs whatever way the stream ended. */
  persist?: (result: TurnResult) => Promise<void>;
  /** Called after the answer with the messages that did not fit the budget. */
  onDropped?: (dropped: HistoryMessage[]) => void;
}

export interface TurnResult extends ModelStreamResult {
  messageId: string;
  model: string;
  status: MessageStatus;
  maxOutputTokens: number;
}

export type TurnEvent = { type: "delta"; text: string } | { type: "finish"; result: TurnResult };

const OUTCOME: Record<ModelStreamResult["outcome"], TraceOutcome> = {
  complete: "ok",
  aborted: "aborted",
  timeout: "timeout",
  error: "error",
};

/**
 * One assistant answer, the same for the chat UI, /api/chat and /v1: build the
 * prompt within the context budget, stream the model, store the result, record
 * the trace. Emits deltas as they come and a final "finish" event; resolves
 * once the answer is stored (the trace is written after).
 */
export async function runTurn(request: TurnRequest, emit: (event: TurnEvent) => void): Promise<TurnResult> {
  const { trace } = request;
  const endPrompt = trace.start("prompt_build");
  const latest = request.history.at(-1);
  const base = request.instructions ? `${config.chat.systemPrompt}\n\n${request.instructions}` : config.chat.systemPrompt;
  const system = systemPrompt(base, request.summary);
  const { kept, dropped } = fitHistory(request.history, Math.max(0, config.chat.contextTokens - Math.ceil(system.length / 4)));
  const messages = kept.filter((m) => m.text.trim() !== "");
  const maxOutputTokens = request.maxOutputTokens ?? responseTokenLimit(latest?.text ?? "");
  endPrompt();

  const modelStart = trace.now();
  const streamed = await streamModel({
    model: () => request.provider.languageModel(),
    system,
    messages,
    maxOutputTokens,
    temperature: request.temperature,
    signal: request.signal,
    firstTokenTimeoutMs: config.llm.firstTokenTimeoutMs,
    idleTimeoutMs: config.llm.idleTimeoutMs,
    onDelta: (text) => emit({ type: "delta", text }),
  });
  recordModelStages(trace, modelStart, streamed);

  const result: TurnResult = {
    ...streamed,
    messageId: request.messageId,
    model: request.provider.modelName,
    status: streamed.outcome === "complete" ? "complete" : streamed.outcome === "aborted" ? "partial" : "error",
    maxOutputTokens,
  };
  if (request.persist) {
    const endPersist = trace.start("persist");
    try {
      await request.persist(result);
    } catch (error) {
      console.error("[parley] could not store the answer", request.messageId, error);
      result.status = "error";
      result.error ??= { code: "persist_failed", message: "The answer could not be saved." };
    }
    endPersist();
  }
  emit({ type: "finish", result });

  trace.fields = {
    ...trace.fields,
    model: result.model,
    messageId: request.persist ? result.messageId : undefined,
    ttftMs: streamed.ttftMs === undefined ? undefined : modelStart + streamed.ttftMs,
    promptTokens: streamed.promptTokens,
    completionTokens: streamed.completionTokens,
    tokensPerSec: tokensPerSecond(streamed),
    error: result.error?.message,
  };
  trace.save(OUTCOME[streamed.outcome]);
  if (dropped.length > 0) request.onDropped?.(dropped);
  return result;
}

function recordModelStages(trace: Trace, modelStart: number, streamed: ModelStreamResult) {
  const ttft = streamed.ttftMs ?? trace.now() - modelStart;
  trace.stages.push({ name: "model_ttft", startMs: modelStart, durationMs: ttft });
  if (streamed.generationMs !== undefined) {
    trace.stages.push({ name: "generation", startMs: modelStart + ttft, durationMs: streamed.generationMs });
  }
}

export function tokensPerSecond(result: Pick<ModelStreamResult, "completionTokens" | "generationMs">): number | undefined {
  if (!result.completionTokens || !result.generationMs || result.generationMs <= 0) return undefined;
  return (result.completionTokens / result.generationMs) * 1000;
}
