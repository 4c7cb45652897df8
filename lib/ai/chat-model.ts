import { config } from "../config";
import { createRemoteProvider } from "./remote";
import type { ChatModelProvider } from "./types";

const globalForModel = globalThis as unknown as { parleyChatModel?: { key: string; provider: ChatModelProvider } };

/**
 * The process-wide chat model: the OpenAI-compatible server at LLM_BASE_URL
 * when set, else the embedded CPU model. Rebuilt if the settings change.
 */
export async function chatModel(): Promise<ChatModelProvider> {
  const key = JSON.stringify([config.llm.baseUrl, config.llm.model, config.llm.modelPath, config.llm.modelUrl]);
  const current = globalForModel.parleyChatModel;
  if (current?.key === key) return current.provider;
  const provider = config.llm.baseUrl
    ? createRemoteProvider({ baseUrl: config.llm.baseUrl, model: config.llm.model, apiKey: config.llm.apiKey })
    : (await import("./embedded/provider")).createEmbeddedProvider();
  globalForModel.parleyChatModel = { key, provider };
  return provider;
}
