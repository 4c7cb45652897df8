/**
 * POST /api/tts and POST /api/transcribe, for the web UI (session) and API
 * callers (bearer key).
 *
 * /api/tts answers, by default, the paper's contract: text in, one audio
 * file out (WAV when the engine speaks WAV). With `"stream": true` (or
 * `Accept: text/event-stream`) it answers server-sent events instead, one
 * per sentence as soon as that sentence is synthesized:
 *
 *   data: {"type":"audio","index":0,"text":"…","contentType":"audio/wav","audio":"<base64>","cached":false}
 *   data: {"type":"done","sentences":3,"cached":1}
 *   data: {"type":"error","status":503,"message":"…"}     (instead of what is left)
 *
 * so the browser plays the first sentence while later ones are being made.
 */
import type { Authenticated } from "../auth/authenticate";
import { config } from "../config";
import { HttpError, badRequest } from "../http/errors";
import { readBody } from "../http/body";
import { readUpload } from "../http/parse";
import { sseData, streamResponse } from "../http/sse";
import { Trace } from "../telemetry/trace";
import { synthesizer, transcriber } from "./index";
import { synthesizeSentences, type Segment } from "./pipeline";
import { speakableText, splitSentences } from "./sentences";
import { SpeechInputError, SpeechUnavailableError, type Synthesizer } from "./types";
import { concatWav, isWav } from "./wav";

export interface TtsRequest {
  text: string;
  voice?: string;
  speed?: number;
  markdown?: boolean;
  stream?: boolean;
}

/** SpeechInputError and SpeechUnavailableError become the 4xx/503 they stand for. */
export function speechHttpError(error: unknown): unknown {
  if (error instanceof SpeechInputError) {
    const code = ({ 400: "bad_request", 413: "payload_too_large", 415: "unsupported_media_type", 422: "unprocessable" } as const)[error.status];
    return new HttpError(code, error.message);
  }
  if (error instanceof SpeechUnavailableError) return new HttpError("unavailable", error.message);
  return error;
}

function engineOrThrow(): Synthesizer {
  const engine = synthesizer();
  if (!engine) throw new HttpError("unavailable", "Text to speech is off on this server (no TTS_BASE_URL and TTS_EMBEDDED=0).");
  return engine;
}

export async function ttsResponse(request: Request, body: TtsRequest, user: Authenticated, trace: Trace): Promise<Response> {
  const engine = engineOrThrow();
  const maxChars = config.speech.ttsMaxChars;
  if (body.text.length > maxChars) {
    throw new HttpError("payload_too_large", `The text is ${body.text.length} characters; at most ${maxChars} can be spoken at once (TTS_MAX_CHARS). Send it in parts.`);
  }
  const spoken = body.markdown ? speakableText(body.text) : body.text;
  const sentences = splitSentences(spoken);
  if (sentences.length === 0) throw badRequest("There is nothing to speak: the text has no words (code blocks are not read aloud).");
  const voice = body.voice ?? (await engine.defaultVoice());
  const speed = body.speed ?? 1;
  trace.fields.model = engine.model;
  const stream = body.stream || (request.headers.get("accept") ?? "").includes("text/event-stream");
  const headers = { "x-request-id": trace.id, "x-tts-sentences": String(sentences.length) };
  // Time to first audio: from the request's arrival to its first sentence being ready to send.
  let firstAudio = true;
  const markFirstAudio = () => {
    if (!firstAudio) return;
    firstAudio = false;
    const at = trace.now();
    trace.stages.push({ name: "first_audio", startMs: 0, durationMs: at });
    trace.fields.ttftMs = at;
  };

  if (!stream) {
    const abort = new AbortController();
    request.signal.addEventListener("abort", () => abort.abort(request.signal.reason), { once: true });
    const segments: Segment[] = [];
    try {
      for await (const segment of synthesizeSentences(engine, sentences, { userId: user.id, voice, speed, concurrency: config.speech.ttsConcurrency, signal: abort.signal, trace })) {
        markFirstAudio();
        segments.push(segment);
      }
    } catch (error) {
      trace.fields.error = error instanceof Error ? error.message : String(error);
      trace.save(abort.signal.aborted ? "aborted" : "error");
      throw speechHttpError(error);
    }
    trace.save("ok");
    const audio = joinAudio(segments);
    return new Response(audio.audio as Uint8Array<ArrayBuffer>, {
      headers: {
        ...headers,
        "content-type": audio.contentType,
        "content-length": String(audio.audio.length),
        "x-tts-cached": String(segments.filter((s) => s.cached).length),
        "cache-control": "private, max-age=3600",
      },
    });
  }

  return streamResponse(
    async (write, signal) => {
      let cached = 0;
      let outcome: "ok" | "aborted" | "error" = "ok";
      try {
        for await (const segment of synthesizeSentences(engine, sentences, { userId: user.id, voice, speed, concurrency: config.speech.ttsConcurrency, signal, trace })) {
          if (segment.cached) cached++;
          write(
            sseData({ type: "audio", index: segment.index, text: segment.text, contentType: segment.contentType, cached: segment.cached, audio: Buffer.from(segment.audio).toString("base64") }),
          );
          markFirstAudio();
        }
        write(sseData({ type: "done", sentences: sentences.length, cached }));
      } catch (error) {
        if (signal.aborted) outcome = "aborted";
        else {
          outcome = "error";
          const http = speechHttpError(error);
          const status = http instanceof HttpError ? http.status : 500;
          const message = http instanceof HttpError ? http.message : "Speech synthesis failed on the server.";
          if (!(http instanceof HttpError)) console.error("[parley] speech synthesis failed", error);
          trace.fields.error = error instanceof Error ? error.message : String(error);
          write(sseData({ type: "error", status, message }));
        }
      } finally {
        trace.save(outcome);
      }
    },
    { requestSignal: request.signal, headers },
  );
}

/** One file for the whole text: WAV sentences joined into one WAV, MP3 frames back to back. */
function joinAudio(segments: Segment[]): { audio: Uint8Array; contentType: string } {
  const first = segments[0]!;
  if (segments.length === 1) return first;
  if (segments.every((s) => isWav(s.audio))) return { audio: concatWav(segments.map((s) => s.audio)), contentType: "audio/wav" };
  if (segments.every((s) => s.contentType === "audio/mpeg")) return { audio: Buffer.concat(segments.map((s) => s.audio)), contentType: "audio/mpeg" };
  throw new HttpError("unprocessable", `The speech server's ${first.contentType} sentences cannot be joined into one file: ask with "stream": true, or set TTS_FORMAT=wav.`);
}

/**
 * The engine's own words (server URLs, connection errors, install hints) are
 * for administrators; everyone else is told only whether it works.
 */
function detailFor(details: boolean, available: boolean, detail: string, what: string): string {
  if (details) return detail;
  return available ? "" : `${what} is not available on this server right now (an administrator can see why).`;
}

/** What the UI needs to show speaker buttons and the voice settings; `details` for administrators. */
export async function ttsInfo({ details }: { details: boolean }) {
  const engine = synthesizer();
  const status = engine ? await engine.status().catch((error: Error) => ({ state: "unavailable" as const, provider: engine.provider, detail: error.message })) : null;
  const voices = engine && status?.state === "ready" ? await engine.voices().catch(() => null) : null;
  return {
    available: status?.state === "ready",
    provider: engine?.provider ?? "none",
    model: engine?.model ?? null,
    detail: detailFor(details, status?.state === "ready", status?.detail ?? "Text to speech is off on this server (no TTS_BASE_URL and TTS_EMBEDDED=0).", "Text to speech"),
    defaultVoice: engine && status?.state === "ready" ? await engine.defaultVoice().catch(() => null) : null,
    voices,
    maxChars: config.speech.ttsMaxChars,
    speed: { min: 0.5, max: 2, default: 1 },
  };
}

export async function asrInfo({ details }: { details: boolean }) {
  const engine = transcriber();
  const status = engine ? await engine.status().catch((error: Error) => ({ state: "unavailable" as const, provider: engine.provider, detail: error.message })) : null;
  return {
    available: status?.state === "ready",
    provider: engine?.provider ?? "none",
    model: engine?.model ?? null,
    lowAccuracy: engine?.lowAccuracy ?? false,
    detail: detailFor(details, status?.state === "ready", status?.detail ?? "Voice input is off on this server (no ASR_BASE_URL and ASR_EMBEDDED=0).", "Voice input"),
    maxBytes: config.speech.asrMaxBytes,
    maxSeconds: config.speech.asrMaxSeconds,
  };
}

const AUDIO_TYPE = /^(audio\/[\w.+-]+|video\/webm|application\/octet-stream)$/i;

/**
 * The audio of a transcription request: multipart/form-data with the audio in
 * `file` (OpenAI's shape; optional `language`), or the audio itself as the
 * body (audio/wav, audio/webm, …; `?language=` in the URL).
 */
async function readAudio(request: Request): Promise<{ audio: Uint8Array; contentType: string; filename: string; language?: string }> {
  const maxBytes = config.speech.asrMaxBytes;
  const type = (request.headers.get("content-type") ?? "").split(";")[0]!.trim().toLowerCase();
  const tooLarge = (n?: number) =>
    new HttpError(
      "payload_too_large",
      `The audio is ${n === undefined ? "more than" : n} bytes; at most ${maxBytes} bytes can be transcribed at once (ASR_MAX_BYTES).`,
    );
  if (type === "multipart/form-data") {
    const { files, fields } = await readUpload(request, { field: "file", maxBytes: maxBytes + 64 * 1024 });
    const file = files[0];
    if (!file) throw badRequest('Send the audio in the multipart field "file".');
    if (files.length > 1) throw badRequest('Send one audio file in "file" at a time.');
    if (file.bytes.length > maxBytes) throw tooLarge(file.bytes.length);
    return { audio: file.bytes, contentType: guessType(file.name, file.bytes), filename: file.name || "audio", language: fields.language || undefined };
  }
  if (!AUDIO_TYPE.test(type)) {
    throw new HttpError("unsupported_media_type", 'Send the audio as the body (Content-Type audio/wav, audio/webm, …) or as multipart/form-data in the field "file".');
  }
  const audio = await readBody(request, maxBytes, (_max, declared) => tooLarge(declared));
  const language = new URL(request.url).searchParams.get("language") || undefined;
  const extension = type.split("/")[1]?.replace(/^(x-)?wav$/, "wav").replace("mpeg", "mp3") ?? "bin";
  return { audio, contentType: type === "application/octet-stream" ? guessType("", audio) : type, filename: `audio.${extension}`, language };
}

function guessType(name: string, bytes: Uint8Array): string {
  if (isWav(bytes)) return "audio/wav";
  const extension = name.split(".").pop()?.toLowerCase();
  return ({ mp3: "audio/mpeg", webm: "audio/webm", ogg: "audio/ogg", opus: "audio/ogg", flac: "audio/flac", m4a: "audio/mp4", mp4: "audio/mp4" } as Record<string, string>)[extension ?? ""] ?? "application/octet-stream";
}

/** POST /api/transcribe, after the request pipeline authenticated the caller into `trace`. */
export async function transcribeResponse(request: Request, trace: Trace): Promise<Response> {
  const engine = transcriber();
  if (!engine) throw new HttpError("unavailable", "Voice input is off on this server (no ASR_BASE_URL and ASR_EMBEDDED=0).");
  const input = await readAudio(request);
  if (input.audio.length === 0) throw badRequest("The audio is empty.");
  if (input.language && !/^[a-z]{2,3}(-[A-Za-z]{2,4})?$/.test(input.language)) {
    throw badRequest(`language must be an ISO-639-1 code such as "en", got "${input.language.slice(0, 20)}".`);
  }
  trace.fields.model = engine.model;
  try {
    const { text } = await trace.time("transcription", () =>
      engine.transcribe(input.audio, { contentType: input.contentType, filename: input.filename, language: input.language, signal: request.signal }),
    );
    trace.save("ok");
    return Response.json(
      { text, provider: engine.provider, model: engine.model, lowAccuracy: engine.lowAccuracy },
      { headers: { "x-request-id": trace.id } },
    );
  } catch (error) {
    trace.fields.error = error instanceof Error ? error.message : String(error);
    trace.save(request.signal.aborted ? "aborted" : "error");
    throw speechHttpError(error);
  }
}

