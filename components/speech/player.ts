"use client";

/**
 * Gapless playback of an answer spoken sentence by sentence. POST /api/tts
 * with "stream": true sends each sentence's audio as soon as it is made; each
 * is decoded and scheduled on one Web Audio clock right where the previous
 * one ends, so the first sentence plays while later ones are still being
 * synthesized and no gap is heard between them. Pause and resume suspend
 * and resume that clock. One player for the page: starting another message
 * stops the one playing. Decoded audio is kept per text + voice + speed, so
 * a second play starts at once.
 */
import { speakableText, splitSentences } from "@/lib/speech/sentences";

export type PlayerState = "idle" | "loading" | "playing" | "paused";

export interface SpeakOptions {
  voice?: string;
  speed: number;
  /** Longest text one request may carry (GET /api/tts maxChars). */
  maxChars: number;
}

type Listener = () => void;

/** Decoded sentences per text + voice + speed (this page's memory; the server has its own cache). */
const MAX_CACHED = 30;

class SpeechPlayer {
  state: PlayerState = "idle";
  /** The message being spoken (or loaded). */
  owner: string | null = null;
  error: string | null = null;
  /** The message whose playback failed with `error`. */
  errorOwner: string | null = null;
  private context: AudioContext | null = null;
  private analyser: AnalyserNode | null = null;
  private nextStart = 0;
  private sources = new Set<AudioBufferSourceNode>();
  private abort: AbortController | null = null;
  /** Text still to be fetched for the owner, in order (read-aloud appends to it). */
  private queue: Promise<void> = Promise.resolve();
  private pendingRequests = 0;
  private generation = 0;
  private readonly listeners = new Set<Listener>();
  private readonly cache = new Map<string, AudioBuffer[]>();
  /** For tests and the latency dashboard: when the last play was asked for and when its audio started. */
  timing: { requestedAt: number; firstAudioAt: number | null } = { requestedAt: 0, firstAudioAt: null };

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private set(state: PlayerState, error: string | null = this.error) {
    this.state = state;
    this.error = error;
    for (const listener of this.listeners) listener();
  }

  private audio(): AudioContext {
    if (!this.context || this.context.state === "closed") {
      this.context = new AudioContext();
      this.analyser = this.context.createAnalyser();
      this.analyser.fftSize = 1024;
      this.analyser.connect(this.context.destination);
    }
    return this.context;
  }

  /** Speaks `text` (Markdown) for `owner`, stopping whatever was playing. */
  speak(owner: string, text: string, options: SpeakOptions) {
    this.stop();
    this.owner = owner;
    this.errorOwner = null;
    this.timing = { requestedAt: performance.now(), firstAudioAt: null };
    this.set("loading", null);
    // Must happen inside the click: browsers only let a page start audio on a user gesture.
    void this.audio().resume();
    this.append(owner, text, options, { final: true });
  }

  /**
   * Adds text to what `owner` is saying (read-aloud while an answer streams).
   * `final` marks the last piece: playback ends after it.
   */
  append(owner: string, text: string, options: SpeakOptions, { final = false }: { final?: boolean } = {}) {
    if (this.owner !== owner) {
      this.stop();
      this.owner = owner;
      this.timing = { requestedAt: performance.now(), firstAudioAt: null };
      this.set("loading", null);
      void this.audio().resume();
    }
    const generation = this.generation;
    const chunks = chunk(speakableText(text), options.maxChars);
    this.abort ??= new AbortController();
    const signal = this.abort.signal;
    this.pendingRequests += chunks.length;
    this.finalQueued ||= final;
    for (const piece of chunks) {
      this.queue = this.queue
        .then(() => (generation === this.generation ? this.play(piece, options, signal) : undefined))
        .catch((error: unknown) => {
          if (generation !== this.generation || signal.aborted) return;
          const failed = this.owner;
          this.stop();
          this.errorOwner = failed;
          this.set("idle", error instanceof Error ? error.message : String(error));
        })
        .finally(() => {
          if (generation !== this.generation) return;
          this.pendingRequests--;
          this.maybeEnded();
        });
    }
    if (chunks.length === 0) this.maybeEnded();
  }

  private finalQueued = false;

  /** Fetches (or takes from the cache) one piece and schedules its sentences as they arrive. */
  private async play(text: string, options: SpeakOptions, signal: AbortSignal) {
    const key = JSON.stringify([text, options.voice ?? "", options.speed]);
    const cached = this.cache.get(key);
    if (cached) {
      for (const buffer of cached) this.schedule(buffer);
      return;
    }
    const response = await fetch("/api/tts", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ text, voice: options.voice, speed: options.speed, stream: true }),
      signal,
    });
    if (!response.ok || !response.body) {
      const body = (await response.json().catch(() => null)) as { error?: { message?: string } } | null;
      throw new Error(body?.error?.message ?? `Speech failed (${response.status}).`);
    }
    const buffers: AudioBuffer[] = [];
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    let pending = "";
    let complete = false;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      pending += value;
      let end: number;
      while ((end = pending.indexOf("\n\n")) >= 0) {
        const line = pending.slice(0, end).split("\n").find((l) => l.startsWith("data: "));
        pending = pending.slice(end + 2);
        if (!line) continue;
        const event = JSON.parse(line.slice(6)) as { type: string; audio?: string; message?: string };
        if (event.type === "error") throw new Error(event.message ?? "Speech failed on the server.");
        if (event.type === "done") complete = true;
        if (event.type !== "audio" || !event.audio) continue;
        const bytes = Uint8Array.from(atob(event.audio), (c) => c.charCodeAt(0));
        const buffer = await this.audio().decodeAudioData(bytes.buffer);
        if (signal.aborted) return;
        buffers.push(buffer);
        this.schedule(buffer);
      }
    }
    if (complete) {
      this.cache.set(key, buffers);
      if (this.cache.size > MAX_CACHED) this.cache.delete(this.cache.keys().next().value!);
    }
  }

  private schedule(buffer: AudioBuffer) {
    const context = this.audio();
    const source = context.createBufferSource();
    source.buffer = buffer;
    source.connect(this.analyser!);
    // Right where the previous sentence ends (or a moment from now after a pause in the supply).
    const start = Math.max(this.nextStart, context.currentTime + 0.02);
    source.start(start);
    this.nextStart = start + buffer.duration;
    this.sources.add(source);
    source.onended = () => {
      this.sources.delete(source);
      this.maybeEnded();
    };
    if (this.timing.firstAudioAt === null) this.timing.firstAudioAt = performance.now();
    if (this.state === "loading") this.set("playing");
  }

  private maybeEnded() {
    if (this.state === "idle") return;
    if (this.sources.size > 0) return;
    if (this.pendingRequests > 0 || !this.finalQueued) {
      // Waiting for the next sentence (read-aloud ahead of the answer, or a slow server).
      if (this.state === "playing") this.set("loading");
      return;
    }
    this.reset();
    this.set("idle");
  }

  pause() {
    if (this.state !== "playing" && this.state !== "loading") return;
    void this.context?.suspend();
    this.set("paused");
  }

  resume() {
    if (this.state !== "paused") return;
    void this.context?.resume();
    this.set(this.sources.size > 0 ? "playing" : "loading");
  }

  stop() {
    this.reset();
    if (this.state !== "idle") this.set("idle");
  }

  private reset() {
    this.generation++;
    this.abort?.abort();
    this.abort = null;
    this.queue = Promise.resolve();
    this.pendingRequests = 0;
    this.finalQueued = false;
    for (const source of this.sources) {
      source.onended = null;
      try {
        source.stop();
      } catch {
        // never started
      }
    }
    this.sources.clear();
    this.nextStart = 0;
    this.owner = null;
    if (this.context?.state === "suspended") void this.context.resume();
  }

  /** Seconds on the audio clock (advances only while audio plays) and the output's loudness (RMS, 0..1). */
  probe(): { time: number; contextState: string; level: number; scheduledUntil: number } {
    let level = 0;
    if (this.analyser) {
      const data = new Float32Array(this.analyser.fftSize);
      this.analyser.getFloatTimeDomainData(data);
      level = Math.sqrt(data.reduce((sum, x) => sum + x * x, 0) / data.length);
    }
    return { time: this.context?.currentTime ?? 0, contextState: this.context?.state ?? "none", level, scheduledUntil: this.nextStart };
  }
}

/** Text cut into requests of at most `maxChars`, at sentence boundaries. */
function chunk(text: string, maxChars: number): string[] {
  const out: string[] = [];
  let current = "";
  for (const sentence of splitSentences(text)) {
    if (current && current.length + sentence.length + 1 > maxChars) {
      out.push(current);
      current = "";
    }
    current = current ? `${current} ${sentence}` : sentence;
  }
  if (current) out.push(current);
  return out;
}

let instance: SpeechPlayer | null = null;

export function speechPlayer(): SpeechPlayer {
  if (!instance) {
    instance = new SpeechPlayer();
    // A handle for end-to-end tests (is sound coming out, and when did it start).
    (window as unknown as { __parleySpeech?: SpeechPlayer }).__parleySpeech = instance;
  }
  return instance;
}
