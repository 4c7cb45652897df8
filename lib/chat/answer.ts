import type { LanguageModelV4FunctionTool, LanguageModelV4Prompt } from "@ai-sdk/provider";
import type { ChatModelProvider } from "../ai/types";
import { config } from "../config";
import type { Retrieval } from "../rag/retrieve";
import type { Trace } from "../telemetry/trace";
import { CitationFilter } from "./citations";
import { toolResult } from "./knowledge-prompt";
import { streamModel, type ModelStreamResult } from "./model-stream";

/** One model answer's fixed inputs. */
export interface AnswerCall {
  provider: ChatModelProvider;
  system: string;
  messages: Array<{ role: "user" | "assistant"; text: string }>;
  maxOutputTokens: number;
  temperature?: number;
  signal: AbortSignal;
  onDelta: (text: string) => void;
}

export interface Answer {
  streamed: ModelStreamResult;
  /** Set when the knowledge base was searched for this answer. */
  retrieval?: Retrieval;
  /** Passage numbers the answer cites. */
  cited: Set<number>;
  /** When the call that produced the answer's text started (trace time). */
  modelStart: number;
}

/**
 * Streams one model call. With `passages` set, citation markers are checked
 * against that many passages as they stream (0: every marker is dropped).
 */
export async function streamAnswer(
  call: AnswerCall,
  options: { passages?: number; followUp?: LanguageModelV4Prompt; tools?: LanguageModelV4FunctionTool[] } = {},
): Promise<{ streamed: ModelStreamResult; cited: Set<number> }> {
  const citations = options.passages === undefined ? undefined : new CitationFilter(options.passages);
  const streamed = await streamModel({
    model: () => call.provider.languageModel(),
    system: call.system,
    messages: call.messages,
    followUp: options.followUp,
    tools: options.tools,
    maxOutputTokens: call.maxOutputTokens,
    temperature: call.temperature,
    signal: call.signal,
    firstTokenTimeoutMs: config.llm.firstTokenTimeoutMs,
    idleTimeoutMs: config.llm.idleTimeoutMs,
    onDelta: (delta) => {
      const text = citations ? citations.push(delta) : delta;
      if (text) call.onDelta(text);
    },
  });
  if (citations) {
    const rest = citations.flush();
    if (rest) call.onDelta(rest);
    streamed.text = citations.text;
  }
  return { streamed, cited: citations?.cited ?? new Set() };
}

export const SEARCH_TOOL: LanguageModelV4FunctionTool = {
  type: "function",
  name: "search_knowledge_base",
  description: "Searches the user's uploaded documents and returns the most relevant numbered passages to cite.",
  inputSchema: {
    type: "object",
    properties: { query: { type: "string", description: "What to look for, as a question or keywords." } },
    required: ["query"],
    additionalProperties: false,
  },
};

/**
 * Tool mode: the model decides whether to search. If it calls
 * search_knowledge_base, the search runs and the model is called again with
 * the passages as the tool's result; otherwise its first answer stands.
 */
export async function answerWithSearchTool(
  call: AnswerCall,
  trace: Trace,
  search: (query: string) => Promise<Retrieval>,
  fallbackQuery: string,
): Promise<Answer> {
  const firstStart = trace.now();
  const first = await streamAnswer(call, { tools: [SEARCH_TOOL], passages: 0 });
  const request = first.streamed.toolCalls.find((c) => c.toolName === SEARCH_TOOL.name);
  if (!request || first.streamed.outcome !== "complete") return { ...first, modelStart: firstStart };
  trace.stages.push({ name: "model_tool_call", startMs: firstStart, durationMs: trace.now() - firstStart });

  const input = parseInput(request.input);
  const retrieval = await search(typeof input.query === "string" && input.query.trim() ? input.query : fallbackQuery);
  const followUp: LanguageModelV4Prompt = [
    { role: "assistant", content: [{ type: "tool-call", toolCallId: request.toolCallId, toolName: request.toolName, input }] },
    {
      role: "tool",
      content: [
        {
          type: "tool-result",
          toolCallId: request.toolCallId,
          toolName: request.toolName,
          output: { type: "text", value: toolResult(retrieval) },
        },
      ],
    },
  ];
  const modelStart = trace.now();
  const second = await streamAnswer(call, { followUp, passages: retrieval.passages.length });
  const streamed: ModelStreamResult = {
    ...second.streamed,
    text: first.streamed.text + second.streamed.text,
    promptTokens: sum(first.streamed.promptTokens, second.streamed.promptTokens),
    completionTokens: sum(first.streamed.completionTokens, second.streamed.completionTokens),
  };
  return { streamed, retrieval, cited: second.cited, modelStart };
}

function parseInput(input: string): Record<string, unknown> {
  try {
    const parsed: unknown = JSON.parse(input);
    return typeof parsed === "object" && parsed !== null ? (parsed as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

function sum(a: number | undefined, b: number | undefined): number | undefined {
  return a === undefined && b === undefined ? undefined : (a ?? 0) + (b ?? 0);
}
