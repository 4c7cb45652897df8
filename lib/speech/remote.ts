/**
 * OpenAI-compatible speech servers: `POST /audio/speech` (Kokoro-FastAPI,
 * MeloTTS or openedai-speech on the GPU node) and `POST /audio/transcriptions`
 * (Whisper under vLLM, faster-whisper-server). Health asks `GET /models`.
 */
import { displayUrl } from "../ai/embedded/download";
import { modelsProbe, type RemoteServer } from "../ai/embeddings/remote";
import { SpeechInputError, SpeechUnavailableError, type SpeechStatus, type Synthesizer, type Transcriber } from "./types";

const CONTENT_TYPES: Record<string, string> = {
  wav: "audio/wav",
  mp3: "audio/mpeg",
  opus: "audio/ogg",
  flac: "audio/flac",
  aac: "audio/aac",
};

const trim = (url: string) => url.replace(/\/+$/, "");

function errorText(body: string): string {
  try {
    const parsed = JSON.parse(body) as { error?: { message?: unknown } | string; message?: unknown; detail?: unknown };
    const said = (typeof parsed.error === "object" ? parsed.error?.message : parsed.error) ?? parsed.message ?? parsed.detail;
    if (said !== undefined) return typeof said === "string" ? said : JSON.stringify(said);
  } catch {
    // not JSON
  }
  return body.trim().slice(0, 300);
}

/** POSTs and returns the response, turning failures into errors that name the server and the setting. */
async function post(server: RemoteServer, path: string, body: BodyInit, headers: Record<string, string>, signal?: AbortSignal): Promise<Response> {
  const shown = displayUrl(trim(server.baseUrl));
  const timeoutMs = server.timeoutMs ?? 60_000;
  const timeout = AbortSignal.timeout(timeoutMs);
  let response: Response;
  try {
    response = await (server.fetch ?? fetch)(`${trim(server.baseUrl)}${path}`, {
      method: "POST",
      headers: { ...headers, ...(server.apiKey ? { authorization: `Bearer ${server.apiKey}` } : {}) },
      body,
      signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
    });
  } catch (error) {
    if (signal?.aborted) throw signal.reason;
    if (timeout.aborted) throw new SpeechUnavailableError(`The ${server.name} at ${shown} did not answer POST ${path} within ${timeoutMs / 1000} s.`);
    const cause = error instanceof Error ? (error.cause instanceof Error ? error.cause.message : error.message) : String(error);
    throw new SpeechUnavailableError(`The ${server.name} at ${shown} did not answer (${cause}). Check ${server.setting} and that the server is running.`);
  }
  if (!response.ok) {
    const said = errorText(await response.text().catch(() => ""));
    const message = `The ${server.name} at ${shown} answered ${response.status} to POST ${path}${said ? `: ${said}` : ""}`;
    // Its 4xx is about what we sent (an unknown voice, unreadable audio): the user can fix that.
    if (response.status >= 400 && response.status < 500 && response.status !== 401 && response.status !== 403 && response.status !== 404 && response.status !== 429) {
      throw new SpeechInputError(message, response.status === 413 ? 413 : response.status === 415 ? 415 : 422);
    }
    throw new SpeechUnavailableError(message);
  }
  return response;
}

function statusFrom(probe: () => Promise<{ ok: true } | { ok: false; detail: string }>, ready: string, what: string) {
  return async (): Promise<SpeechStatus> => {
    const result = await probe();
    return result.ok
      ? { state: "ready", provider: "remote", detail: ready }
      : { state: "unavailable", provider: "remote", detail: `${result.detail} ${what}` };
  };
}

export function createRemoteSynthesizer(options: {
  baseUrl: string;
  apiKey?: string;
  model: string;
  voice: string;
  /** Asked of the server: wav (default: exact, gapless joins), mp3, opus, flac. */
  format?: string;
  voices?: string[];
  fetch?: typeof fetch;
}): Synthesizer {
  const server: RemoteServer = { baseUrl: options.baseUrl, apiKey: options.apiKey, name: "speech server", setting: "TTS_BASE_URL", fetch: options.fetch, timeoutMs: 60_000 };
  const format = options.format ?? "wav";
  const contentType = CONTENT_TYPES[format] ?? "application/octet-stream";
  return {
    provider: "remote",
    model: options.model,
    defaultVoice: async () => options.voice,
    status: statusFrom(modelsProbe(server), `Speech by ${options.model} at ${displayUrl(trim(options.baseUrl))}.`, "Speaker buttons answer 503 until it does."),
    voices: async () => options.voices ?? null,
    async synthesize(text, { voice, speed, signal }) {
      const response = await post(
        server,
        "/audio/speech",
        JSON.stringify({ model: options.model, input: text, voice, speed, response_format: format }),
        { "content-type": "application/json" },
        signal,
      );
      const audio = new Uint8Array(await response.arrayBuffer());
      if (audio.length === 0) throw new SpeechUnavailableError(`The speech server at ${displayUrl(trim(options.baseUrl))} sent no audio.`);
      return { audio, contentType: response.headers.get("content-type")?.split(";")[0]?.startsWith("audio/") ? response.headers.get("content-type")!.split(";")[0]! : contentType };
    },
  };
}

export function createRemoteTranscriber(options: { baseUrl: string; apiKey?: string; model: string; fetch?: typeof fetch }): Transcriber {
  const server: RemoteServer = { baseUrl: options.baseUrl, apiKey: options.apiKey, name: "transcription server", setting: "ASR_BASE_URL", fetch: options.fetch, timeoutMs: 120_000 };
  return {
    provider: "remote",
    model: options.model,
    lowAccuracy: false,
    status: statusFrom(modelsProbe(server), `Transcription by ${options.model} at ${displayUrl(trim(options.baseUrl))}.`, "The microphone is hidden until it does."),
    async transcribe(audio, { contentType, filename, language, signal }) {
      const form = new FormData();
      form.append("file", new Blob([audio as Uint8Array<ArrayBuffer>], { type: contentType }), filename);
      form.append("model", options.model);
      form.append("response_format", "json");
      if (language) form.append("language", language);
      const response = await post(server, "/audio/transcriptions", form, {}, signal);
      const body = (await response.json().catch(() => null)) as { text?: unknown } | null;
      if (typeof body?.text !== "string") {
        throw new SpeechUnavailableError(`The transcription server at ${displayUrl(trim(options.baseUrl))} answered without a text.`);
      }
      return { text: body.text.trim() };
    },
  };
}
