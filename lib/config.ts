import path from "node:path";

/**
 * Every setting Parley reads from the environment, in one place. Values are read
 * on each call (cheap) so tests and the CLI can set the environment late.
 */
function int(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0) {
    throw new Error(`${name} must be a non-negative number, got "${raw}"`);
  }
  return Math.floor(value);
}

function str(name: string): string | undefined {
  const raw = process.env[name];
  return raw === undefined || raw.trim() === "" ? undefined : raw.trim();
}

export const DEFAULT_MODEL_URL =
  "https://huggingface.co/Qwen/Qwen2.5-0.5B-Instruct-GGUF/resolve/main/qwen2.5-0.5b-instruct-q4_k_m.gguf";

export const config = {
  get dataDir() {
    // Read at run time from the environment: not a build input.
    return path.resolve(/*turbopackIgnore: true*/ str("DATA_DIR") ?? ".data");
  },
  get databaseUrl() {
    return str("DATABASE_URL");
  },
  llm: {
    get baseUrl() {
      return str("LLM_BASE_URL");
    },
    get model() {
      return str("LLM_MODEL") ?? "default";
    },
    get apiKey() {
      return str("LLM_API_KEY");
    },
    get modelPath() {
      return str("LLM_MODEL_PATH");
    },
    get modelUrl() {
      return str("LLM_MODEL_URL") ?? DEFAULT_MODEL_URL;
    },
    /** Set to "0" to never download a model (air-gapped installs). */
    get downloadEnabled() {
      return str("LLM_DOWNLOAD") !== "0";
    },
    get firstTokenTimeoutMs() {
      return int("LLM_FIRST_TOKEN_TIMEOUT_MS", 60_000);
    },
    get idleTimeoutMs() {
      return int("LLM_IDLE_TIMEOUT_MS", 30_000);
    },
  },
  chat: {
    get systemPrompt() {
      return (
        str("SYSTEM_PROMPT") ??
        "You are Parley, a helpful assistant. Answer clearly and concisely, using Markdown where it helps."
      );
    },
    /** Tokens of conversation history (system prompt and summary included) sent to the model. */
    get contextTokens() {
      return int("CONTEXT_TOKEN_BUDGET", 6_000);
    },
    get maxMessageChars() {
      return int("MAX_MESSAGE_CHARS", 32_000);
    },
    get historyPageSize() {
      return int("HISTORY_PAGE_SIZE", 50);
    },
  },
  auth: {
    get secret() {
      return str("AUTH_SECRET");
    },
    /** "0" closes sign-up to the public once an admin exists (operators create users with the CLI). */
    get openSignUp() {
      return str("OPEN_SIGNUP") !== "0";
    },
  },
};
