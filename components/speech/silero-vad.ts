"use client";

/**
 * Silero VAD in the browser (@ricky0123/vad-web on onnxruntime-web's WASM):
 * a small neural model that scores each 32 ms of audio as speech or not, so
 * the end of a turn is found even in a noisy room. Its weights, AudioWorklet
 * and the WASM runtime are served by Parley from /vad/ (copied there from
 * node_modules by scripts/copy-vad-assets.mjs), never from a CDN.
 */
const ASSETS = "/vad/";

const MODEL = "v5";
let runtime: Promise<typeof import("@ricky0123/vad-web/dist/real-time-vad")> | null = null;

/**
 * Loads the library and starts onnxruntime's WASM (the slow part, a couple of
 * seconds on a slow machine) once per page: call it when the microphone button
 * appears, so a click is listened to by Silero at once.
 */
export function preloadSileroVad(): Promise<typeof import("@ricky0123/vad-web/dist/real-time-vad")> {
  runtime ??= (async () => {
    const library = await import("@ricky0123/vad-web/dist/real-time-vad");
    const { ort } = library;
    ort.env.logLevel = "error";
    ort.env.wasm.wasmPaths = ASSETS;
    // Threads need cross-origin isolation; one is plenty for a 2 MB model.
    ort.env.wasm.numThreads = 1;
    const warmUp = await ort.InferenceSession.create(`${ASSETS}silero_vad_${MODEL}.onnx`);
    await warmUp.release();
    return library;
  })();
  // A failed load is retried on the next turn.
  runtime.catch(() => (runtime = null));
  return runtime;
}

export interface SileroVad {
  stop(): Promise<void>;
}

/**
 * Listens to an already open microphone stream on the recorder's own audio
 * context. onSpeech fires once speech has lasted long enough to not be a click
 * or a cough; onSpeechEnd after `endSilenceMs` without speech. Throws when
 * the model or runtime cannot load (the caller falls back to its own detector).
 */
export async function startSileroVad({
  context,
  stream,
  endSilenceMs,
  onSpeech,
  onSpeechEnd,
}: {
  context: AudioContext;
  stream: MediaStream;
  endSilenceMs: number;
  onSpeech: () => void;
  onSpeechEnd: () => void;
}): Promise<SileroVad> {
  const { MicVAD } = await preloadSileroVad();
  const vad = await MicVAD.new({
    model: MODEL,
    baseAssetPath: ASSETS,
    onnxWASMBasePath: ASSETS,
    ortConfig: () => {},
    audioContext: context,
    // The recorder owns the stream: the detector neither opens nor stops it.
    getStream: async () => stream,
    pauseStream: async () => {},
    resumeStream: async () => stream,
    redemptionMs: endSilenceMs,
    minSpeechMs: 250,
    onSpeechRealStart: onSpeech,
    onSpeechEnd: () => onSpeechEnd(),
  });
  return { stop: () => vad.destroy() };
}
