import { config } from "../config";
import { createEmbeddedSynthesizer } from "./embedded";
import { createPocketsphinxTranscriber } from "./pocketsphinx";
import { createRemoteSynthesizer, createRemoteTranscriber } from "./remote";
import type { SpeechStatus, Synthesizer, Transcriber } from "./types";

export type { SpeechStatus, Synthesizer, Transcriber } from "./types";

const globalForSpeech = globalThis as unknown as {
  parleyTts?: { key: string; value: Synthesizer | null };
  parleyAsr?: { key: string; value: Transcriber | null };
};

/**
 * The process-wide speech synthesizer: the server at TTS_BASE_URL when set,
 * else espeak-ng on this machine (unless TTS_EMBEDDED=0), else null.
 * Rebuilt when the settings change.
 */
export function synthesizer(): Synthesizer | null {
  const s = config.speech;
  const key = JSON.stringify([s.ttsBaseUrl, s.ttsApiKey, s.ttsModel, s.ttsVoice, s.ttsVoices, s.ttsFormat, s.ttsEmbedded, s.espeakPath, s.festivalPath]);
  if (globalForSpeech.parleyTts?.key !== key) {
    const value = s.ttsBaseUrl
      ? createRemoteSynthesizer({ baseUrl: s.ttsBaseUrl, apiKey: s.ttsApiKey, model: s.ttsModel, voice: s.ttsVoice ?? "af_heart", voices: s.ttsVoices, format: s.ttsFormat })
      : s.ttsEmbedded
        ? createEmbeddedSynthesizer({ espeakPath: s.espeakPath, festivalPath: s.festivalPath, voice: s.ttsVoice })
        : null;
    globalForSpeech.parleyTts = { key, value };
  }
  return globalForSpeech.parleyTts.value;
}

/** The transcriber: ASR_BASE_URL when set, else pocketsphinx (unless ASR_EMBEDDED=0), else null. */
export function transcriber(): Transcriber | null {
  const s = config.speech;
  const key = JSON.stringify([s.asrBaseUrl, s.asrApiKey, s.asrModel, s.asrEmbedded, s.pocketsphinxPath, s.asrMaxSeconds]);
  if (globalForSpeech.parleyAsr?.key !== key) {
    const value = s.asrBaseUrl
      ? createRemoteTranscriber({ baseUrl: s.asrBaseUrl, apiKey: s.asrApiKey, model: s.asrModel })
      : s.asrEmbedded
        ? createPocketsphinxTranscriber({ program: s.pocketsphinxPath, maxSeconds: s.asrMaxSeconds })
        : null;
    globalForSpeech.parleyAsr = { key, value };
  }
  return globalForSpeech.parleyAsr.value;
}

const NO_TTS =
  "Text to speech is off (TTS_EMBEDDED=0 and no TTS_BASE_URL): speaker buttons are hidden. Set TTS_BASE_URL to an OpenAI-compatible /v1/audio/speech server, or allow the embedded espeak-ng.";
const NO_ASR =
  "Voice input is off (ASR_EMBEDDED=0 and no ASR_BASE_URL): the microphone is hidden. Set ASR_BASE_URL to an OpenAI-compatible /v1/audio/transcriptions server (Whisper), or allow the embedded pocketsphinx.";

/** Never throws: health must not crash because a speech program is missing. */
async function safely(get: () => Promise<SpeechStatus>, provider: SpeechStatus["provider"]): Promise<SpeechStatus> {
  try {
    return await get();
  } catch (error) {
    return { state: "unavailable", provider, detail: error instanceof Error ? error.message : String(error) };
  }
}

export async function ttsStatus(): Promise<SpeechStatus> {
  const current = synthesizer();
  if (!current) return { state: "unavailable", provider: "none", detail: NO_TTS };
  return safely(() => current.status(), current.provider);
}

export async function asrStatus(): Promise<SpeechStatus & { lowAccuracy: boolean }> {
  const current = transcriber();
  if (!current) return { state: "unavailable", provider: "none", detail: NO_ASR, lowAccuracy: false };
  return { ...(await safely(() => current.status(), current.provider)), lowAccuracy: current.lowAccuracy };
}
