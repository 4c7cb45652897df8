/**
 * The embedded CPU chat model: finds (or downloads once) a GGUF file, loads it
 * with node-llama-cpp and hands out the AI SDK model. Never throws out of
 * warm()/status(); languageModel() throws ModelUnavailableError with what the
 * operator should do.
 */
import { existsSync } from "node:fs";
import path from "node:path";
import type { LanguageModelV4 } from "@ai-sdk/provider";
import { config } from "../../config";
import { ModelUnavailableError, type ChatModelProvider, type ModelStatus } from "../types";
import { displayUrl, downloadModel, type DownloadProgress } from "./download";
import { defaultModelId, LlamaChatModel, type LlamaChatModelOptions } from "./llama-model";

/** Where an embedded model's GGUF file comes from; each field overrides its setting (LLM_… or EMBEDDINGS_…). */
export type ModelFileOptions = {
  /** Overrides the *_MODEL_PATH setting. */
  modelPath?: string;
  /** Overrides the *_MODEL_URL setting. */
  modelUrl?: string;
  /** Overrides the *_DOWNLOAD setting ("0" = never download). */
  downloadEnabled?: boolean;
  /** Overrides DATA_DIR (a downloaded model goes to `<dataDir>/models/`). */
  dataDir?: string;
  /** Least time between two attempts after a failed download or load. Default 60 s. */
  retryAfterMs?: number;
  /** Where progress and failures are logged. Default console.log; null for silence. */
  log?: ((message: string) => void) | null;
};

export type EmbeddedProviderOptions = ModelFileOptions & {
  /** Passed to the model (context size, threads, sequences, defaults). */
  model?: Omit<LlamaChatModelOptions, "modelPath">;
};

export type EmbeddedProvider = ChatModelProvider & {
  readonly kind: "embedded";
  /** The GGUF file this provider uses (it may not exist yet). */
  readonly modelPath: string;
  /** Frees the model's memory; a later languageModel() loads it again. */
  dispose(): Promise<void>;
};

type State =
  | { kind: "idle" }
  | { kind: "downloading"; progress: DownloadProgress }
  | { kind: "loading" }
  | { kind: "ready"; model: LlamaChatModel }
  | { kind: "unavailable"; reason: string; retryAt: number };

const ALTERNATIVES = "set LLM_BASE_URL to an OpenAI-compatible server (such as vLLM)";

/** `https://host/a/b/Model-Q4.gguf?download=1` -> `Model-Q4.gguf` */
export function modelFileNameFromUrl(url: string): string {
  let name = "";
  try {
    name = decodeURIComponent(new URL(url).pathname.split("/").pop() ?? "");
  } catch {
    name = "";
  }
  name = name.replace(/[^A-Za-z0-9._-]/g, "_").replace(/^\.+/, "");
  if (!name) return "model.gguf";
  return /\.gguf$/i.test(name) ? name : `${name}.gguf`;
}

export function createEmbeddedProvider(options: EmbeddedProviderOptions = {}): EmbeddedProvider {
  const modelUrl = options.modelUrl ?? config.llm.modelUrl;
  const explicitPath = options.modelPath ?? config.llm.modelPath;
  const modelPath = path.resolve(
    /*turbopackIgnore: true*/
    explicitPath ?? path.join(options.dataDir ?? config.dataDir, "models", modelFileNameFromUrl(modelUrl)),
  );
  const downloadEnabled = options.downloadEnabled ?? config.llm.downloadEnabled;
  const retryAfterMs = options.retryAfterMs ?? 60_000;
  const log = options.log === undefined ? (m: string) => console.log(`[parley] ${m}`) : (options.log ?? (() => {}));
  const modelName = defaultModelId(modelPath);
  const shownUrl = displayUrl(modelUrl);

  let state: State = { kind: "idle" };
  let preparing: Promise<LlamaChatModel> | null = null;

  const missingReason = (): string =>
    `No chat model: ${modelPath} does not exist and model downloads are off (LLM_DOWNLOAD=0). ` +
    `To fix: ${ALTERNATIVES}, or put a GGUF chat model file at ${modelPath} ` +
    `(or point LLM_MODEL_PATH at one), or allow the download by unsetting LLM_DOWNLOAD.`;

  const fail = (reason: string, retryAt: number): never => {
    state = { kind: "unavailable", reason, retryAt };
    log(reason);
    throw new ModelUnavailableError(reason);
  };

  async function prepare(): Promise<LlamaChatModel> {
    if (!existsSync(/*turbopackIgnore: true*/ modelPath)) {
      // A missing file costs only a stat to re-check, so it can be retried at once.
      if (!downloadEnabled) fail(missingReason(), 0);
      state = { kind: "downloading", progress: { receivedBytes: 0, totalBytes: null } };
      try {
        await downloadModel({
          url: modelUrl,
          dest: modelPath,
          log,
          onProgress: (progress) => {
            state = { kind: "downloading", progress };
          },
        });
      } catch (error) {
        fail(
          `Could not download the chat model from ${shownUrl}: ${messageOf(error)}. ` +
            `To fix: check this machine's network (or LLM_MODEL_URL), ${ALTERNATIVES}, ` +
            `or put a GGUF chat model file at ${modelPath}. Parley tries the download again on a later request.`,
          Date.now() + retryAfterMs,
        );
      }
    }
    state = { kind: "loading" };
    log(`Loading the chat model ${modelPath}`);
    const started = Date.now();
    try {
      const model = await LlamaChatModel.load({ ...options.model, modelPath, modelId: modelName });
      state = { kind: "ready", model };
      log(`Chat model ${modelName} ready in ${Date.now() - started} ms (${model.chatWrapperName} chat format)`);
      return model;
    } catch (error) {
      return fail(
        `Could not load the chat model ${modelPath}: ${messageOf(error)}. ` +
          `To fix: replace it with a valid GGUF chat model (or point LLM_MODEL_PATH at one), or ${ALTERNATIVES}.`,
        Date.now() + retryAfterMs,
      );
    }
  }

  /** Starts preparation unless it is running, done, or failed too recently. */
  function start(): Promise<LlamaChatModel> | null {
    if (preparing) return preparing;
    if (state.kind === "ready") return null;
    if (state.kind === "unavailable" && Date.now() < state.retryAt) return null;
    const run = prepare().finally(() => {
      preparing = null;
    });
    preparing = run;
    return run;
  }

  return {
    kind: "embedded",
    modelName,
    modelPath,

    warm() {
      // Failures are recorded in the state (and logged); nobody awaits this.
      start()?.catch(() => {});
    },

    async languageModel(): Promise<LanguageModelV4> {
      const run = start();
      if (run) return run;
      if (state.kind === "ready") return state.model;
      throw new ModelUnavailableError(state.kind === "unavailable" ? state.reason : "The chat model is not ready yet.");
    },

    async status(): Promise<ModelStatus> {
      const base = { provider: "embedded" as const, model: modelName };
      switch (state.kind) {
        case "ready":
          return { ...base, state: "ready" };
        case "unavailable":
          return { ...base, state: "unavailable", reason: state.reason };
        case "loading":
          return { ...base, state: "loading", message: `Loading the chat model ${modelName}` };
        case "downloading": {
          const { receivedBytes, totalBytes } = state.progress;
          const percent = totalBytes ? ` (${Math.floor((receivedBytes / totalBytes) * 100)}%)` : "";
          return {
            ...base,
            state: "downloading",
            message: `Downloading the chat model ${modelName} from ${shownUrl}${percent}`,
            progress: { receivedBytes, totalBytes },
          };
        }
        case "idle":
          if (!existsSync(/*turbopackIgnore: true*/ modelPath) && !downloadEnabled) return { ...base, state: "unavailable", reason: missingReason() };
          return {
            ...base,
            state: "loading",
            message: existsSync(/*turbopackIgnore: true*/ modelPath)
              ? `The chat model ${modelName} loads on the first request`
              : `The chat model ${modelName} is downloaded from ${shownUrl} on the first request`,
          };
      }
    },

    async dispose() {
      await preparing?.catch(() => {});
      if (state.kind === "ready") {
        const { model } = state;
        state = { kind: "idle" };
        await model.dispose();
      }
    },
  };
}

function messageOf(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.replace(/\.$/, "");
}
