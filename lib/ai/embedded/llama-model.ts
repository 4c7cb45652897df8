/**
 * An AI SDK LanguageModelV4 that runs a GGUF chat model in-process on the CPU
 * with node-llama-cpp. One context holds a small pool of sequences (default 1);
 * requests beyond the pool wait in a FIFO queue instead of failing.
 */
import os from "node:os";
import type {
  LanguageModelV4,
  LanguageModelV4CallOptions,
  LanguageModelV4Content,
  LanguageModelV4FinishReason,
  LanguageModelV4GenerateResult,
  LanguageModelV4Prompt,
  LanguageModelV4StreamPart,
  LanguageModelV4StreamResult,
  LanguageModelV4Usage,
  SharedV4Warning,
} from "@ai-sdk/provider";
import type {
  ChatHistoryItem,
  Llama,
  LlamaChat,
  LlamaChatResponse,
  LlamaChatResponseChunk,
  LlamaContext,
  LlamaContextSequence,
  LlamaGrammar,
  LlamaModel,
  Token,
} from "node-llama-cpp";

export type LlamaChatModelOptions = {
  modelPath: string;
  /** Reported as the AI SDK modelId. Default: the file name without `.gguf`. */
  modelId?: string;
  /** Tokens of context per sequence. Default: min(model's training context, 8192). */
  contextSize?: number;
  /** How many generations run at once; the rest queue. Default 1. */
  sequences?: number;
  /**
   * CPU threads for llama.cpp. Default: one fewer than the CPU cores (at least 1).
   * Measured on a 2-core machine: node-llama-cpp's default (4 threads there) decoded
   * ~100x slower, and 2 threads ~3x slower than 1, because llama.cpp's threads fight
   * Node's libuv threads for the cores.
   */
  threads?: number;
  /** Used when a call sets no temperature. Default 0.7. */
  defaultTemperature?: number;
  /** Used when a call sets no maxOutputTokens, so a looping model cannot run forever. Default 2048. */
  defaultMaxOutputTokens?: number;
  /** An existing node-llama-cpp instance; by default one per process is shared. */
  llama?: Llama;
};

let sharedLlamaPromise: Promise<Llama> | undefined;

/** One node-llama-cpp instance per process (CPU only, never builds or downloads binaries). */
export function sharedLlama(): Promise<Llama> {
  sharedLlamaPromise ??= import("node-llama-cpp")
    .then(({ getLlama }) => getLlama({ gpu: false, build: "never", skipDownload: true, progressLogs: false }))
    .catch((error: unknown) => {
      sharedLlamaPromise = undefined; // let a later call try again
      throw error;
    });
  return sharedLlamaPromise;
}

type Slot = { sequence: LlamaContextSequence; chat: LlamaChat };

/** FIFO pool of sequence slots; waiting can be aborted. */
class SlotPool {
  private readonly free: Slot[];
  private readonly waiting: Array<(slot: Slot) => void> = [];
  constructor(slots: Slot[]) {
    this.free = [...slots];
  }
  get queued(): number {
    return this.waiting.length;
  }
  acquire(signal?: AbortSignal): Promise<Slot> {
    signal?.throwIfAborted();
    const slot = this.free.shift();
    if (slot) return Promise.resolve(slot);
    return new Promise<Slot>((resolve, reject) => {
      const take = (s: Slot) => {
        signal?.removeEventListener("abort", onAbort);
        resolve(s);
      };
      const onAbort = () => {
        const i = this.waiting.indexOf(take);
        if (i >= 0) this.waiting.splice(i, 1);
        reject(signal?.reason);
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      this.waiting.push(take);
    });
  }
  release(slot: Slot): void {
    const next = this.waiting.shift();
    if (next) next(slot);
    else this.free.push(slot);
  }
}

type Handlers = {
  onText?: (delta: string) => void;
  onReasoning?: (delta: string) => void;
};

type RunResult = {
  text: string;
  reasoning: string;
  finishReason: LanguageModelV4FinishReason;
  usage: LanguageModelV4Usage;
};

export class LlamaChatModel implements LanguageModelV4 {
  readonly specificationVersion = "v4";
  readonly provider = "parley.embedded";
  readonly supportedUrls: Record<string, RegExp[]> = {};

  private constructor(
    readonly modelId: string,
    private readonly llama: Llama,
    private readonly model: LlamaModel,
    private readonly context: LlamaContext,
    private readonly pool: SlotPool,
    private readonly chatWrapper: string,
    private readonly options: LlamaChatModelOptions,
  ) {}

  /** Loads the model file and creates its context. Throws if the file cannot be loaded. */
  static async load(options: LlamaChatModelOptions): Promise<LlamaChatModel> {
    const { LlamaChat } = await import("node-llama-cpp");
    const llama = options.llama ?? (await sharedLlama());
    const model = await llama.loadModel({ modelPath: options.modelPath });
    try {
      const sequences = Math.max(1, options.sequences ?? 1);
      const threads = options.threads ?? defaultThreads(llama);
      const context = await model.createContext({
        contextSize: options.contextSize ?? Math.min(model.trainContextSize, 8192),
        sequences,
        threads,
      });
      const slots: Slot[] = [];
      for (let i = 0; i < sequences; i++) {
        const sequence = context.getSequence();
        slots.push({ sequence, chat: new LlamaChat({ contextSequence: sequence }) });
      }
      const modelId = options.modelId ?? defaultModelId(options.modelPath);
      const wrapperName = slots[0]?.chat.chatWrapper.wrapperName ?? "unknown";
      return new LlamaChatModel(modelId, llama, model, context, new SlotPool(slots), wrapperName, options);
    } catch (error) {
      await model.dispose();
      throw error;
    }
  }

  /** Tokens of context each generation gets. */
  get contextSize(): number {
    return this.context.contextSize;
  }

  /** Requests waiting for a free sequence. */
  get queuedRequests(): number {
    return this.pool.queued;
  }

  /** The chat format node-llama-cpp picked from the model's metadata (e.g. "ChatML", "Llama2Chat"). */
  get chatWrapperName(): string {
    return this.chatWrapper;
  }

  async dispose(): Promise<void> {
    await this.context.dispose();
    await this.model.dispose();
  }

  async doGenerate(options: LanguageModelV4CallOptions): Promise<LanguageModelV4GenerateResult> {
    const { history, warnings } = toChatHistory(options.prompt);
    warnings.push(...unsupportedSettings(options));
    const result = await this.run(options, history, {});
    const content: LanguageModelV4Content[] = [];
    if (result.reasoning) content.push({ type: "reasoning", text: result.reasoning });
    if (result.text) content.push({ type: "text", text: result.text });
    return {
      content,
      finishReason: result.finishReason,
      usage: result.usage,
      warnings,
      response: { modelId: this.modelId, timestamp: new Date() },
    };
  }

  async doStream(options: LanguageModelV4CallOptions): Promise<LanguageModelV4StreamResult> {
    options.abortSignal?.throwIfAborted();
    const { history, warnings } = toChatHistory(options.prompt);
    warnings.push(...unsupportedSettings(options));
    const cancel = new AbortController();
    const signal = options.abortSignal ? AbortSignal.any([options.abortSignal, cancel.signal]) : cancel.signal;
    let closed = false;

    const stream = new ReadableStream<LanguageModelV4StreamPart>({
      start: (controller) => {
        const emit = (part: LanguageModelV4StreamPart) => {
          if (!closed) controller.enqueue(part);
        };
        emit({ type: "stream-start", warnings });
        emit({ type: "response-metadata", modelId: this.modelId, timestamp: new Date() });
        let textOpen = false;
        let reasoningOpen = false;
        const closeReasoning = () => {
          if (reasoningOpen) emit({ type: "reasoning-end", id: "reasoning-0" });
          reasoningOpen = false;
        };
        const handlers: Handlers = {
          onText: (delta) => {
            closeReasoning();
            if (!textOpen) emit({ type: "text-start", id: "text-0" });
            textOpen = true;
            emit({ type: "text-delta", id: "text-0", delta });
          },
          onReasoning: (delta) => {
            if (!reasoningOpen) emit({ type: "reasoning-start", id: "reasoning-0" });
            reasoningOpen = true;
            emit({ type: "reasoning-delta", id: "reasoning-0", delta });
          },
        };
        // Not awaited: start() must return so the consumer can read while tokens arrive.
        void this.run({ ...options, abortSignal: signal }, history, handlers).then(
          (result) => {
            closeReasoning();
            if (textOpen) emit({ type: "text-end", id: "text-0" });
            emit({ type: "finish", finishReason: result.finishReason, usage: result.usage });
            if (!closed) controller.close();
            closed = true;
          },
          (error: unknown) => {
            if (closed) return;
            closed = true;
            // An abort errors the stream with the abort reason, like an aborted fetch would.
            controller.error(options.abortSignal?.aborted ? options.abortSignal.reason : error);
          },
        );
      },
      cancel: (reason) => {
        closed = true;
        cancel.abort(reason);
      },
    });
    return { stream };
  }

  private async run(options: LanguageModelV4CallOptions, history: ChatHistoryItem[], handlers: Handlers): Promise<RunResult> {
    const signal = options.abortSignal;
    const grammar = await this.grammarFor(options);
    const slot = await this.pool.acquire(signal);
    try {
      signal?.throwIfAborted();
      const promptTokens = this.promptTokens(slot, history);
      const cacheRead = commonPrefixLength(slot.sequence.contextTokens, promptTokens);
      let textTokens = 0;
      let reasoningTokens = 0;
      let text = "";
      let reasoning = "";
      const onResponseChunk = (chunk: LlamaChatResponseChunk) => {
        if (chunk.type === undefined) {
          textTokens += chunk.tokens.length;
          if (chunk.text) {
            text += chunk.text;
            handlers.onText?.(chunk.text);
          }
        } else {
          reasoningTokens += chunk.tokens.length;
          if (chunk.segmentType === "thought" && chunk.text) {
            reasoning += chunk.text;
            handlers.onReasoning?.(chunk.text);
          }
        }
      };
      const response: LlamaChatResponse = await slot.chat.generateResponse(history, {
        onResponseChunk,
        signal,
        stopOnAbortSignal: true,
        maxTokens: options.maxOutputTokens ?? this.options.defaultMaxOutputTokens ?? 2048,
        temperature: options.temperature ?? this.options.defaultTemperature ?? 0.7,
        topK: options.topK,
        topP: options.topP,
        seed: options.seed,
        repeatPenalty:
          options.frequencyPenalty !== undefined || options.presencePenalty !== undefined
            ? { frequencyPenalty: options.frequencyPenalty, presencePenalty: options.presencePenalty }
            : undefined,
        customStopTriggers: options.stopSequences?.length ? options.stopSequences : undefined,
        budgets: options.reasoning === "none" ? { thoughtTokens: 0 } : undefined,
        ...(grammar ? { grammar } : {}),
      });
      signal?.throwIfAborted();
      return {
        text,
        reasoning,
        finishReason: finishReasonOf(response.metadata.stopReason),
        usage: {
          inputTokens: {
            total: promptTokens.length,
            noCache: promptTokens.length - cacheRead,
            cacheRead,
            cacheWrite: undefined,
          },
          outputTokens: { total: textTokens + reasoningTokens, text: textTokens, reasoning: reasoningTokens },
        },
      };
    } finally {
      this.pool.release(slot);
    }
  }

  /** The prompt as the model sees it, rendered by the model's chat template. */
  private promptTokens(slot: Slot, history: ChatHistoryItem[]): Token[] {
    const { contextText } = slot.chat.chatWrapper.generateContextState({ chatHistory: history });
    return contextText.tokenize(this.model.tokenizer);
  }

  private async grammarFor(options: LanguageModelV4CallOptions): Promise<LlamaGrammar | undefined> {
    if (options.responseFormat?.type !== "json") return undefined;
    if (options.responseFormat.schema) {
      try {
        // node-llama-cpp understands a subset of JSON Schema; fall back to plain JSON beyond it.
        return await this.llama.createGrammarForJsonSchema(options.responseFormat.schema as never);
      } catch {
        return this.llama.getGrammarFor("json");
      }
    }
    return this.llama.getGrammarFor("json");
  }
}

export function defaultThreads(llama: Llama): number {
  return Math.max(1, Math.min(llama.cpuMathCores, os.availableParallelism()) - 1);
}

export function defaultModelId(modelPath: string): string {
  const base = modelPath.split(/[\\/]/).pop() ?? modelPath;
  return base.replace(/\.gguf$/i, "");
}

function finishReasonOf(stopReason: LlamaChatResponse["metadata"]["stopReason"]): LanguageModelV4FinishReason {
  switch (stopReason) {
    case "eogToken":
    case "stopGenerationTrigger":
    case "customStopTrigger":
      return { unified: "stop", raw: stopReason };
    case "maxTokens":
      return { unified: "length", raw: stopReason };
    case "functionCalls":
      return { unified: "tool-calls", raw: stopReason };
    default:
      return { unified: "other", raw: stopReason };
  }
}

function commonPrefixLength(a: readonly Token[], b: readonly Token[]): number {
  const n = Math.min(a.length, b.length);
  let i = 0;
  while (i < n && a[i] === b[i]) i++;
  return i;
}

function unsupportedSettings(options: LanguageModelV4CallOptions): SharedV4Warning[] {
  const warnings: SharedV4Warning[] = [];
  if (options.tools?.length) warnings.push({ type: "unsupported", feature: "tools", details: "the embedded model answers with text only" });
  if (options.toolChoice && options.toolChoice.type !== "auto" && options.toolChoice.type !== "none") {
    warnings.push({ type: "unsupported", feature: "toolChoice" });
  }
  return warnings;
}

/**
 * AI SDK prompt -> node-llama-cpp chat history. Text parts are joined; text
 * files are inlined; other files, tool calls and tool results are dropped with
 * a warning. Consecutive messages of the same role are merged. The history
 * ends with a model turn: empty for a new answer, or the trailing assistant
 * message, which the model then continues.
 */
export function toChatHistory(prompt: LanguageModelV4Prompt): { history: ChatHistoryItem[]; warnings: SharedV4Warning[] } {
  const history: ChatHistoryItem[] = [];
  const warnings: SharedV4Warning[] = [];
  const dropped = new Set<string>();
  const drop = (feature: string) => {
    if (dropped.has(feature)) return;
    dropped.add(feature);
    warnings.push({ type: "unsupported", feature, details: "ignored by the embedded model" });
  };
  const push = (item: ChatHistoryItem) => {
    const last = history.at(-1);
    if (last?.type === "system" && item.type === "system" && typeof last.text === "string" && typeof item.text === "string") {
      last.text = `${last.text}\n\n${item.text}`;
    } else if (last?.type === "user" && item.type === "user") {
      last.text = `${last.text}\n\n${item.text}`;
    } else if (last?.type === "model" && item.type === "model") {
      last.response.push(...item.response);
    } else {
      history.push(item);
    }
  };

  for (const message of prompt) {
    switch (message.role) {
      case "system":
        push({ type: "system", text: message.content });
        break;
      case "user": {
        const texts: string[] = [];
        for (const part of message.content) {
          if (part.type === "text") texts.push(part.text);
          else if (part.data.type === "text") texts.push(part.data.text);
          else if (part.data.type === "data" && part.mediaType.startsWith("text")) {
            texts.push(typeof part.data.data === "string" ? Buffer.from(part.data.data, "base64").toString("utf8") : Buffer.from(part.data.data).toString("utf8"));
          } else drop(`file parts (${part.mediaType})`);
        }
        push({ type: "user", text: texts.join("\n\n") });
        break;
      }
      case "assistant": {
        const texts: string[] = [];
        for (const part of message.content) {
          if (part.type === "text") texts.push(part.text);
          else if (part.type === "tool-call" || part.type === "tool-result") drop("tool calls");
          else if (part.type === "file") drop(`file parts (${part.mediaType})`);
          // reasoning from earlier turns is not fed back, as chat templates usually drop it
        }
        push({ type: "model", response: [texts.join("")] });
        break;
      }
      case "tool":
        drop("tool results");
        break;
    }
  }
  if (history.at(-1)?.type !== "model") history.push({ type: "model", response: [] });
  return { history, warnings };
}
