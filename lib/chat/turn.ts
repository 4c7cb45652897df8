import type { ChatModelProvider } from "../ai/types";
import { config } from "../config";
import type { Trace, TraceOutcome } from "../telemetry/trace";
import { streamEnded, streamStarted } from "../telemetry/metrics";
import { retrieve, type Retrieval } from "../rag/retrieve";
import { INTERRUPTED_MESSAGE } from "../db/queries/answers";
import { searchableCollectionIds } from "../db/queries/collections";
import { answerWithSearchTool, streamAnswer, type Answer, type AnswerCall } from "./answer";
import { fitHistory, systemPrompt, type HistoryMessage } from "./context";
import { knowledgePrompt, knowledgeReport, knowledgeToolPrompt, type KnowledgeReport } from "./knowledge-prompt";
import type { ModelStreamResult } from "./model-stream";
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
  /** Answer from this user's knowledge base (their readable collections). */
  knowledge?: { userId: string };
}

export interface TurnResult extends ModelStreamResult {
  messageId: string;
  model: string;
  /**
   * How the answer ended: "interrupted" when the server shut down under it (the
   * user did not stop it). A stored answer can also be "streaming".
   */
  status: "complete" | "partial" | "error" | "interrupted";
  maxOutputTokens: number;
  /** Set when the knowledge base was consulted: its passages, which were cited, how it searched. */
  knowledge?: KnowledgeReport;
}

/** Abort reason of a turn cut short by the server shutting down: it ends "interrupted", not "partial". */
export const SHUTDOWN_ABORT = "shutdown";

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
  streamStarted();
  try {
    return await answerTurn(request, emit);
  } finally {
    streamEnded();
  }
}

async function answerTurn(request: TurnRequest, emit: (event: TurnEvent) => void): Promise<TurnResult> {
  const { trace } = request;
  const latest = request.history.at(-1);
  const query = latest?.text ?? "";
  const userId = request.knowledge?.userId;
  const toolMode = userId !== undefined && config.retrieval.mode === "tool" && (await searchableCollectionIds(userId)).length > 0;
  const retrieval = userId !== undefined && !toolMode ? await searchKnowledge(userId, query, request) : undefined;

  const endPrompt = trace.start("prompt_build");
  const base = request.instructions ? `${config.chat.systemPrompt}\n\n${request.instructions}` : config.chat.systemPrompt;
  const knowledge = toolMode ? knowledgeToolPrompt() : retrieval && knowledgePrompt(retrieval);
  const system = [knowledge, systemPrompt(base, request.summary)].filter(Boolean).join("\n\n");
  const { kept, dropped } = fitHistory(request.history, Math.max(0, config.chat.contextTokens - Math.ceil(system.length / 4)));
  const maxOutputTokens = request.maxOutputTokens ?? responseTokenLimit(query);
  const call: AnswerCall = {
    provider: request.provider,
    system,
    messages: kept.filter((m) => m.text.trim() !== ""),
    maxOutputTokens,
    temperature: request.temperature,
    signal: request.signal,
    onDelta: (text) => emit({ type: "delta", text }),
  };
  endPrompt();

  const answer: Answer = toolMode
    ? await answerWithSearchTool(call, trace, (q) => searchKnowledge(userId!, q, request), query)
    : {
        modelStart: trace.now(),
        retrieval,
        // With the knowledge base in play, a marker can only cite a passage given: none given, none kept.
        ...(await streamAnswer(call, { passages: userId === undefined ? undefined : (retrieval?.passages.length ?? 0) })),
      };
  const { streamed, modelStart } = answer;
  recordModelStages(trace, modelStart, streamed);
  const searched = answer.retrieval?.searched ? answer.retrieval : undefined;

  const interrupted = streamed.outcome === "aborted" && request.signal.reason === SHUTDOWN_ABORT;
  const result: TurnResult = {
    ...streamed,
    messageId: request.messageId,
    model: request.provider.modelName,
    status: streamed.outcome === "complete" ? "complete" : streamed.outcome === "aborted" ? (interrupted ? "interrupted" : "partial") : "error",
    ...(interrupted ? { error: { code: "interrupted", message: INTERRUPTED_MESSAGE } } : {}),
    maxOutputTokens,
    ...(searched ? { knowledge: knowledgeReport(searched, answer.cited) } : {}),
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

/**
 * Retrieval for a turn. A failure here must not cost the user the answer: the
 * model answers without the knowledge base and the report says why.
 */
async function searchKnowledge(userId: string, query: string, request: TurnRequest): Promise<Retrieval> {
  try {
    return await retrieve({ userId, query, trace: request.trace, signal: request.signal });
  } catch (error) {
    // A stop during retrieval ends the turn at the model call, which sees the same signal.
    if (!request.signal.aborted) console.error("[parley] retrieval failed", error);
    const reason = error instanceof Error ? error.message : String(error);
    return { searched: false, mode: "lexical", passages: [], degraded: [`Knowledge base search failed: ${reason}`] };
  }
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
