import fs from "node:fs";
import path from "node:path";

/**
 * Where the e2e servers live. Ports are unusual on purpose so a developer's
 * `next dev` (3000/3100) and fake model server (4010) never collide with a run;
 * both can be moved with E2E_PORT / E2E_FAKE_LLM_PORT.
 */
export const ROOT = path.resolve(import.meta.dirname, "..", "..");
export const APP_PORT = Number(process.env.E2E_PORT ?? 3417);
export const FAKE_LLM_PORT = Number(process.env.E2E_FAKE_LLM_PORT ?? 4417);
export const APP_URL = `http://127.0.0.1:${APP_PORT}`;
export const FAKE_LLM_URL = `http://127.0.0.1:${FAKE_LLM_PORT}`;

/** Node 24 from the `node` devDependency (the machine's own node may be older). */
export const NODE = fs.existsSync(path.join(ROOT, "node_modules", "node", "bin", "node"))
  ? path.join(ROOT, "node_modules", "node", "bin", "node")
  : process.execPath;

/** Fresh embedded database for every run (deleted by e2e/support/serve-app.ts before the server starts). */
export const DATA_DIR = path.join(ROOT, ".tmp", process.env.E2E_DATA_DIR ?? "e2e-data");
/**
 * Own build folder, so an e2e build never clashes with a developer's `.next`;
 * E2E_DIST_DIR (with E2E_PORT, E2E_FAKE_LLM_PORT, E2E_DATA_DIR) lets two runs
 * share one checkout.
 */
export const DIST_DIR = process.env.E2E_DIST_DIR ?? ".next-e2e";
export const SCREENSHOT_DIR = path.join(ROOT, "e2e", "screenshots");

/** The first account of the run (created by e2e/first-user.spec.ts; becomes admin). */
export const FIRST_USER = { email: "admin@parley.test", password: "first-user-pass-1" };

/** Idle timeout the server runs with, so the stall test ends in seconds, not 30 s. */
export const IDLE_TIMEOUT_MS = 3_000;

/** Environment for the Parley server under test. */
export function appEnv(): Record<string, string> {
  return {
    DATA_DIR,
    NEXT_DIST_DIR: DIST_DIR,
    NEXT_TELEMETRY_DISABLED: "1",
    LLM_BASE_URL: `${FAKE_LLM_URL}/v1`,
    LLM_MODEL: "fake-model",
    LLM_FIRST_TOKEN_TIMEOUT_MS: "15000",
    LLM_IDLE_TIMEOUT_MS: String(IDLE_TIMEOUT_MS),
    // The fake server's deterministic /v1/embeddings, so uploads get vectors and
    // questions run the dense half of hybrid retrieval (no reranker: "hybrid").
    EMBEDDINGS_BASE_URL: `${FAKE_LLM_URL}/v1`,
    EMBEDDINGS_MODEL: "fake-embed",
    // Speech through the fake server's /v1/audio/speech (a tone per sentence, delay per rule) and
    // /v1/audio/transcriptions, so the speaker and microphone specs control timing.
    TTS_BASE_URL: `${FAKE_LLM_URL}/v1`,
    TTS_MODEL: "fake-tts",
    TTS_VOICE: "fake-voice",
    TTS_VOICES: "fake-voice,other-voice",
    ASR_BASE_URL: `${FAKE_LLM_URL}/v1`,
    // Answers' images from localhost show inline; from 127.0.0.1 (the same test server) they are placeholders (e2e/safe-rendering.spec.ts).
    MARKDOWN_IMAGE_HOSTS: "localhost",
    AUTH_SECRET: "e2e-only-secret-0123456789abcdefghijklmnop",
    OPEN_SIGNUP: "1",
    // Never pick up a developer's own database or model settings.
    DATABASE_URL: "",
    LLM_API_KEY: "",
    EMBEDDINGS_API_KEY: "",
    EMBEDDINGS_MULTILINGUAL_MODEL: "",
    RERANK_BASE_URL: "",
    RERANK_MODEL_PATH: "",
    QDRANT_URL: "",
    REDIS_URL: "",
    RAG_MODE: "",
    PORT: String(APP_PORT),
    // Parley handles SIGTERM itself (lib/shutdown.ts), as `npm start` does; a short drain keeps
    // Playwright's 5 s graceful stop of the web server enough.
    NEXT_MANUAL_SIG_HANDLE: "1",
    SHUTDOWN_DRAIN_SECONDS: "2",
  };
}

/**
 * How the e2e tests start Debian's chromium (Playwright's own download cannot
 * work offline); a spec that needs more flags (autoplay, a fake microphone)
 * passes them as `extraArgs`.
 */
export function chromiumLaunch(...extraArgs: string[]) {
  return {
    executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-dev-shm-usage",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--no-first-run",
      "--disable-quic",
      ...extraArgs,
    ],
  };
}
