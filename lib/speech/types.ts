/**
 * Speech providers. Text to speech: an OpenAI-compatible `/v1/audio/speech`
 * server (Kokoro or MeloTTS on the GPU node) or espeak-ng on this machine's
 * CPU. Speech to text: an OpenAI-compatible `/v1/audio/transcriptions`
 * server (Whisper under vLLM) or pocketsphinx on this machine's CPU.
 */
export interface SpeechStatus {
  state: "ready" | "unavailable";
  provider: "remote" | "embedded" | "none";
  /** What it is, or why it cannot be used and how to fix that. */
  detail: string;
}

export interface SynthesizedAudio {
  audio: Uint8Array;
  /** MIME type of `audio`: audio/wav, audio/mpeg, audio/ogg, audio/flac. */
  contentType: string;
}

export interface SynthesizeOptions {
  voice: string;
  /** 1 is the voice's normal rate; 0.5 to 2. */
  speed: number;
  signal?: AbortSignal;
}

export interface Synthesizer {
  readonly provider: "remote" | "embedded";
  /** Model or engine name: part of the cache key and the trace. */
  readonly model: string;
  /** The voice used when a request names none (TTS_VOICE, else the engine's best). */
  defaultVoice(): Promise<string>;
  status(): Promise<SpeechStatus>;
  /** Voices a user may pick; null when the server cannot list them (any name is passed on). */
  voices(): Promise<string[] | null>;
  /** One sentence (or a short text) to audio. */
  synthesize(text: string, options: SynthesizeOptions): Promise<SynthesizedAudio>;
}

export interface Transcript {
  text: string;
}

export interface Transcriber {
  readonly provider: "remote" | "embedded";
  readonly model: string;
  /** The embedded recognizer gets many words wrong: the UI says so. */
  readonly lowAccuracy: boolean;
  status(): Promise<SpeechStatus>;
  transcribe(audio: Uint8Array, options: { contentType: string; filename: string; language?: string; signal?: AbortSignal }): Promise<Transcript>;
}

/** The speech engine cannot do this now; the message says why and how to fix it (answered as 503). */
export class SpeechUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "SpeechUnavailableError";
  }
}

/** The audio or text given cannot be used; the message says why (answered as 4xx). */
export class SpeechInputError extends Error {
  constructor(
    message: string,
    readonly status: 400 | 413 | 415 | 422 = 422,
  ) {
    super(message);
    this.name = "SpeechInputError";
  }
}
