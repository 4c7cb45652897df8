import { createOpenAICompatible } from "@ai-sdk/openai-compatible";
import type { ChatModelProvider, ModelStatus } from "./types";

const STATUS_TTL_MS = 5_000;

/**
 * An OpenAI-compatible model server: vLLM on the GPU node in production, the
 * fake server in tests. Health probes `GET <base>/models`, cached briefly.
 */
export function createRemoteProvider(options: { baseUrl: string; model: string; apiKey?: string }): ChatModelProvider {
  const baseURL = options.baseUrl.replace(/\/+$/, "");
  const provider = createOpenAICompatible({
    name: "llm",
    baseURL,
    apiKey: options.apiKey,
    includeUsage: true,
  });
  const model = provider.chatModel(options.model);
  let cached: { at: number; status: Promise<ModelStatus> } | undefined;

  async function probe(): Promise<ModelStatus> {
    const base = { provider: "remote" as const, model: options.model };
    try {
      const response = await fetch(`${baseURL}/models`, {
        headers: options.apiKey ? { authorization: `Bearer ${options.apiKey}` } : {},
        signal: AbortSignal.timeout(2_000),
      });
      if (!response.ok) {
        return { ...base, state: "unavailable", reason: `The model server at ${baseURL} answered ${response.status}.` };
      }
      return { ...base, state: "ready" };
    } catch (error) {
      const why = error instanceof Error ? error.message : String(error);
      return {
        ...base,
        state: "unavailable",
        reason: `The model server at ${baseURL} did not answer (${why}). Check LLM_BASE_URL and that the server is running.`,
      };
    }
  }

  return {
    kind: "remote",
    modelName: options.model,
    languageModel: async () => model,
    status: () => {
      if (!cached || Date.now() - cached.at > STATUS_TTL_MS) cached = { at: Date.now(), status: probe() };
      return cached.status;
    },
    warm: () => {},
  };
}
