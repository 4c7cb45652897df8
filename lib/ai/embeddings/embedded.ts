/**
 * Embeddings from a GGUF model run in-process on the CPU by node-llama-cpp.
 * The model is EMBEDDINGS_MODEL_PATH, or a file downloaded once (with
 * progress) from EMBEDDINGS_MODEL_URL into `<DATA_DIR>/models/`. Nothing
 * happens at import: the first status() or embed() starts it.
 *
 * Also home of Preparation, the load-once-retry-later state machine the
 * embedded reranker shares.
 */
import { existsSync } from "node:fs";
import path from "node:path";
import type { Llama, LlamaEmbeddingContext, LlamaModel, Token } from "node-llama-cpp";
import { config } from "../../config";
import { displayUrl, downloadModel, type DownloadProgress } from "../embedded/download";
import { defaultModelId, defaultThreads, sharedLlama } from "../embedded/llama-model";
import { modelFileNameFromUrl, type ModelFileOptions } from "../embedded/provider";
import { ModelUnavailableError } from "../types";
import { withPrefixes } from "./prefixes";
import { normalize } from "./remote";
import type { Embedder, EmbeddingStatus } from "./types";

export type Phase<T> =
  | { kind: "idle" }
  | { kind: "downloading"; progress: DownloadProgress }
  | { kind: "loading" }
  | { kind: "ready"; value: T }
  | { kind: "unavailable"; reason: string; retryAt: number };

/** Resolves with `promise`, or rejects with the abort reason as soon as `signal` aborts. */
export function untilAborted<T>(promise: Promise<T>, signal?: AbortSignal): Promise<T> {
  if (!signal) return promise;
  signal.throwIfAborted();
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener("abort", onAbort));
  });
}

/**
 * Prepares a value (download, load) once, in the background, on first use.
 * A failure makes it unavailable with the step's message as the reason and
 * is retried on a use after `retryAfterMs`, never in a loop. `precheck`
 * reports a reason that holds right now (a missing file with downloads off);
 * it costs only a stat, so it is asked again on every use.
 */
export class Preparation<T> {
  phase: Phase<T> = { kind: "idle" };
  private running: Promise<T> | null = null;

  constructor(
    private readonly steps: (report: (phase: Phase<T>) => void) => Promise<T>,
    private readonly options: { retryAfterMs: number; precheck?: () => string | undefined; log: (message: string) => void },
  ) {}

  /** Starts preparing unless it is running, done, failed too recently, or cannot start now. */
  start(): Promise<T> | null {
    if (this.running) return this.running;
    if (this.phase.kind === "ready") return null;
    if (this.phase.kind === "unavailable" && Date.now() < this.phase.retryAt) return null;
    const reason = this.options.precheck?.();
    if (reason) {
      this.phase = { kind: "unavailable", reason, retryAt: 0 };
      return null;
    }
    this.phase = { kind: "loading" };
    const running = this.steps((phase) => (this.phase = phase))
      .then(
        (value) => {
          this.phase = { kind: "ready", value };
          return value;
        },
        (error: unknown) => {
          const reason = error instanceof Error ? error.message : String(error);
          this.phase = { kind: "unavailable", reason, retryAt: Date.now() + this.options.retryAfterMs };
          this.options.log(reason);
          throw new ModelUnavailableError(reason);
        },
      )
      .finally(() => (this.running = null));
    running.catch(() => {}); // started in the background: a failure is reported by phase, not as unhandled
    this.running = running;
    return running;
  }

  /** The value, waiting for a preparation in progress; ModelUnavailableError with the reason otherwise. */
  async get(signal?: AbortSignal): Promise<T> {
    const running = this.start();
    if (running) return untilAborted(running, signal);
    if (this.phase.kind === "ready") return this.phase.value;
    throw new ModelUnavailableError(this.phase.kind === "unavailable" ? this.phase.reason : "The model is not ready yet.");
  }

  /** Waits for a preparation in progress, then hands a ready value to `release` and goes back to idle. */
  async dispose(release: (value: T) => Promise<void>): Promise<void> {
    await this.running?.catch(() => {});
    if (this.phase.kind === "ready") {
      const { value } = this.phase;
      this.phase = { kind: "idle" };
      await release(value);
    }
  }
}

/**
 * Most tokens a local model sees at once. An encoder's attention matrix grows
 * with the square of it (bge-m3 would take gigabytes at its 8192), and chunks
 * are a few hundred tokens: longer texts are cut (embeddings) or scored in
 * pieces (reranking).
 */
export const MAX_LOCAL_CONTEXT = 1024;

export function messageOf(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).replace(/\.$/, "");
}

export type EmbeddedEmbedderOptions = ModelFileOptions & {
  /** CPU threads. Default: one fewer than the cores (see LlamaChatModelOptions.threads). */
  threads?: number;
  llama?: Llama;
};

export type EmbeddedEmbedder = Embedder & {
  readonly provider: "embedded";
  /** The GGUF file (it may not exist yet). */
  readonly modelPath: string;
  dispose(): Promise<void>;
};

type Loaded = { model: LlamaModel; context: LlamaEmbeddingContext; maxTokens: number };

const FIX = "set EMBEDDINGS_MODEL_PATH to a GGUF embedding model file, or EMBEDDINGS_BASE_URL to an OpenAI-compatible embedding server";
const LEXICAL = "Retrieval is lexical only until then";

export function createEmbeddedEmbedder(options: EmbeddedEmbedderOptions = {}): EmbeddedEmbedder {
  const modelUrl = options.modelUrl ?? config.embeddings.modelUrl;
  const modelPath = path.resolve(
    /*turbopackIgnore: true*/
    options.modelPath ??
      config.embeddings.modelPath ??
      path.join(options.dataDir ?? config.dataDir, "models", modelFileNameFromUrl(modelUrl)),
  );
  const downloadEnabled = options.downloadEnabled ?? config.embeddings.downloadEnabled;
  const log = options.log === undefined ? (m: string) => console.log(`[parley] ${m}`) : (options.log ?? (() => {}));
  const name = defaultModelId(modelPath);
  const shownUrl = displayUrl(modelUrl);
  const exists = () => existsSync(/*turbopackIgnore: true*/ modelPath);

  const preparation = new Preparation<Loaded>(
    async (report) => {
      if (!exists()) {
        report({ kind: "downloading", progress: { receivedBytes: 0, totalBytes: null } });
        try {
          await downloadModel({ url: modelUrl, dest: modelPath, log, onProgress: (progress) => report({ kind: "downloading", progress }) });
        } catch (error) {
          throw new Error(
            `Could not download the embedding model from ${shownUrl}: ${messageOf(error)}. ${LEXICAL}. ` +
              `To fix: check this machine's network (or EMBEDDINGS_MODEL_URL), or ${FIX}. Parley tries the download again later.`,
          );
        }
      }
      report({ kind: "loading" });
      const started = Date.now();
      let model: LlamaModel | undefined;
      try {
        const llama = options.llama ?? (await sharedLlama());
        model = await llama.loadModel({ modelPath });
        const contextSize = Math.min(model.trainContextSize, MAX_LOCAL_CONTEXT);
        // An encoder sees the whole input at once: one batch must hold it.
        const context = await model.createEmbeddingContext({
          contextSize,
          batchSize: contextSize,
          threads: options.threads ?? defaultThreads(llama),
        });
        log(`Embedding model ${name} ready in ${Date.now() - started} ms`);
        // Room for the start and end tokens; node-llama-cpp wants the input shorter than the context.
        return { model, context, maxTokens: contextSize - 3 };
      } catch (error) {
        await model?.dispose();
        throw new Error(`Could not load the embedding model ${modelPath}: ${messageOf(error)}. ${LEXICAL}. To fix: replace it with a GGUF embedding model, or ${FIX}.`);
      }
    },
    {
      retryAfterMs: options.retryAfterMs ?? 60_000,
      log,
      precheck: () =>
        !downloadEnabled && !exists()
          ? `No embedding model: ${modelPath} does not exist and downloads are off (EMBEDDINGS_DOWNLOAD=0). ` +
            `Retrieval is lexical only. To fix: ${FIX}, or allow the download by unsetting EMBEDDINGS_DOWNLOAD.`
          : undefined,
    },
  );

  /** The text's tokens, cut to what the model can see at once (the tail of a long text is dropped). */
  function tokensOf({ model, maxTokens }: Loaded, text: string): Token[] {
    const tokens = model.tokenize(text).slice(0, maxTokens);
    if (tokens.length > 0) return tokens;
    // An empty text still gets a vector: the one of the model's start token.
    const start = model.tokens.bos ?? model.tokens.eos;
    if (start === null) throw new Error(`The embedding model ${name} cannot embed an empty text.`);
    return [start];
  }

  return {
    provider: "embedded",
    modelPath,
    modelFor: () => name,

    async status(): Promise<EmbeddingStatus> {
      preparation.start();
      const phase = preparation.phase;
      const base = { provider: "embedded" as const };
      switch (phase.kind) {
        case "ready":
          return { ...base, state: "ready", detail: `Embeddings by ${name} on this machine's CPU.` };
        case "unavailable":
          return { ...base, state: "unavailable", detail: phase.reason };
        case "downloading": {
          const { receivedBytes, totalBytes } = phase.progress;
          const progress = totalBytes ? Math.min(1, receivedBytes / totalBytes) : undefined;
          const percent = progress === undefined ? "" : ` (${Math.floor(progress * 100)}%)`;
          return {
            ...base,
            state: "preparing",
            detail: `Downloading the embedding model ${name} from ${shownUrl}${percent}. ${LEXICAL}.`,
            ...(progress === undefined ? {} : { progress }),
          };
        }
        default:
          return { ...base, state: "preparing", detail: `Loading the embedding model ${name}. ${LEXICAL}.` };
      }
    },

    async embed(texts, { model, kind, signal }) {
      if (model !== name) throw new Error(`The embedded embedder runs ${name}; it cannot embed with ${model}.`);
      if (texts.length === 0) return [];
      const loaded = await preparation.get(signal);
      const vectors: number[][] = [];
      for (const text of withPrefixes(texts, name, kind)) {
        signal?.throwIfAborted();
        const { vector } = await loaded.context.getEmbeddingFor(tokensOf(loaded, text));
        vectors.push(normalize([...vector]));
      }
      return vectors;
    },

    dispose: () =>
      preparation.dispose(async ({ context, model }) => {
        await context.dispose();
        await model.dispose();
      }),
  };
}
