"use client";

/**
 * Records one spoken turn from the microphone and ends it on its own when the
 * speaker falls silent (voice activity detection), or when stop() is called
 * (the second click). The audio comes back as a 16 kHz mono 16-bit WAV, the
 * format every transcriber here reads.
 *
 * Whether the speaker has stopped is decided by Silero VAD (./silero-vad), a
 * neural voice activity detector that tells speech from other sound. If its
 * model cannot load, an energy detector takes over: a 30 ms frame is speech
 * when it is well above the quietest recent frames (an adaptive noise floor),
 * enough for a quiet room, but any loud sound counts as speech.
 */
import { encodeWav, pcm16, resample } from "@/lib/speech/wav";
import { startSileroVad, type SileroVad } from "./silero-vad";

const TARGET_RATE = 16_000;
const FRAME_SECONDS = 0.03;
/** Silence after speech that ends the turn. */
const END_SILENCE_SECONDS = 1.2;
/** Give up when nothing is said for this long. */
const NO_SPEECH_SECONDS = 8;

/** Which detector decides that the turn is over. */
export type TurnDetector = "Silero" | "energy";

export interface Recording {
  /** Resolves with the WAV when the turn ends (silence, stop() or the time limit); null when nothing was said or on cancel(). */
  done: Promise<Uint8Array | null>;
  stop(): void;
  cancel(): void;
}

export async function recordTurn({
  maxSeconds,
  onSpeech,
  onDetector,
}: {
  maxSeconds: number;
  onSpeech?: () => void;
  /** Called once it is known which detector ends the turn (Silero while its model loads is not yet known). */
  onDetector?: (detector: TurnDetector) => void;
}): Promise<Recording> {
  const stream = await navigator.mediaDevices.getUserMedia({ audio: { echoCancellation: true, noiseSuppression: true, channelCount: 1 } });
  const context = new AudioContext();
  await context.resume();
  const source = context.createMediaStreamSource(stream);
  // ScriptProcessor: deprecated but everywhere, and one small buffer copy per 85 ms is nothing.
  const processor = context.createScriptProcessor(4096, 1, 1);
  const chunks: Float32Array[] = [];
  const frameLength = Math.round(context.sampleRate * FRAME_SECONDS);
  let frame = new Float32Array(frameLength);
  let frameFill = 0;
  let noiseFloor = Infinity;
  let heardSpeech = false;
  let silentFrames = 0;
  let totalFrames = 0;
  let finished = false;
  let detector: TurnDetector | null = null;
  /** When the detector started listening: silence before that (while Silero loads) does not count as "nothing said". */
  let detectorSince = 0;
  let silero: SileroVad | null = null;
  let resolve!: (wav: Uint8Array | null) => void;
  const done = new Promise<Uint8Array | null>((r) => (resolve = r));

  const finish = (keep: boolean) => {
    if (finished) return;
    finished = true;
    void silero?.stop().catch(() => {});
    processor.disconnect();
    source.disconnect();
    for (const track of stream.getTracks()) track.stop();
    void context.close();
    resolve(keep ? toWav(chunks, context.sampleRate) : null);
  };

  const speechStarted = () => {
    if (!heardSpeech) onSpeech?.();
    heardSpeech = true;
  };
  const useDetector = (name: TurnDetector) => {
    detector = name;
    detectorSince = totalFrames * FRAME_SECONDS;
    onDetector?.(name);
  };

  /** The fallback detector: sound level against an adaptive noise floor. */
  const energyFrame = (samples: Float32Array) => {
    let sum = 0;
    for (const x of samples) sum += x * x;
    const rms = Math.sqrt(sum / samples.length);
    // The floor follows the quietest frames, rising slowly so a noisy room adapts.
    noiseFloor = Math.min(rms, noiseFloor === Infinity ? rms : noiseFloor * 1.002 + 1e-6);
    if (rms > Math.max(0.01, noiseFloor * 4)) {
      speechStarted();
      silentFrames = 0;
    } else if (heardSpeech) silentFrames++;
    if (heardSpeech && silentFrames * FRAME_SECONDS >= END_SILENCE_SECONDS) finish(true);
  };

  const onFrame = (samples: Float32Array) => {
    totalFrames++;
    if (detector === "energy") energyFrame(samples);
    if (finished) return;
    const seconds = totalFrames * FRAME_SECONDS;
    if (!heardSpeech && detector && seconds - detectorSince >= NO_SPEECH_SECONDS) finish(false);
    else if (seconds >= maxSeconds) finish(heardSpeech);
  };

  processor.onaudioprocess = (event) => {
    if (finished) return;
    const input = event.inputBuffer.getChannelData(0);
    chunks.push(new Float32Array(input));
    for (const x of input) {
      frame[frameFill++] = x;
      if (frameFill === frameLength) {
        onFrame(frame);
        frame = new Float32Array(frameLength);
        frameFill = 0;
        if (finished) return;
      }
    }
  };
  source.connect(processor);
  // A ScriptProcessor only runs when connected onwards; its output is silence.
  processor.connect(context.destination);

  // Capture starts at once; Silero joins when its model has loaded (at once when preloaded).
  startSileroVad({ context, stream, endSilenceMs: END_SILENCE_SECONDS * 1000, onSpeech: speechStarted, onSpeechEnd: () => finish(true) }).then(
    (vad) => {
      if (finished) return void vad.stop().catch(() => {});
      silero = vad;
      useDetector("Silero");
    },
    (error: unknown) => {
      console.warn("Silero VAD could not load; the energy detector ends the turn instead.", error);
      if (!finished) useDetector("energy");
    },
  );

  // A second click sends what was recorded even if the detector has not heard speech yet (it may still be loading).
  return { done, stop: () => finish(true), cancel: () => finish(false) };
}

function toWav(chunks: Float32Array[], rate: number): Uint8Array {
  const all = new Float32Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const chunk of chunks) {
    all.set(chunk, at);
    at += chunk.length;
  }
  return encodeWav(pcm16(resample(all, rate, TARGET_RATE), TARGET_RATE));
}
