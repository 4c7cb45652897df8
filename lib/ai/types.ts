import type { LanguageModelV4 } from "@ai-sdk/provider";

/** What /api/health reports about the chat model. */
export type ModelStatus =
  | { state: "ready"; provider: "remote" | "embedded"; model: string }
  | {
      state: "loading" | "downloading";
      provider: "remote" | "embedded";
      model: string;
      message: string;
      /** Download progress, when downloading. */
      progress?: { receivedBytes: number; totalBytes: number | null };
    }
  | { state: "unavailable"; provider: "remote" | "embedded"; model: string; reason: string };

/**
 * Where answers come from. Two implementations: an OpenAI-compatible server
 * (vLLM in production; lib/ai/remote.ts) and an in-process CPU model
 * (node-llama-cpp; lib/ai/embedded).
 */
export interface ChatModelProvider {
  readonly kind: "remote" | "embedded";
  /** The model name stored with each message and shown by /v1/models. */
  readonly modelName: string;
  /**
   * The AI SDK model to call. Throws ModelUnavailableError, whose message tells
   * the user what to do, when no model can be had right now.
   */
  languageModel(): Promise<LanguageModelV4>;
  status(): Promise<ModelStatus>;
  /** Starts any slow preparation (download, load) ahead of the first request. */
  warm(): void;
}

export class ModelUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ModelUnavailableError";
  }
}
