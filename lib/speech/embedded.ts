/**
 * Text to speech on this machine's CPU, no network, no GPU, no download:
 * Festival's HTS voice for English (natural enough, ~0.3-0.5 s a sentence)
 * and espeak-ng for every other language (robotic, instant). Voices are
 * Festival voice names (cmu_us_slt_arctic_hts) or espeak-ng language codes
 * (en-us, de, fr, with variants such as en-us+f3). Either program may be
 * missing: health says which, and what to install.
 */
import { createEspeak } from "./espeak";
import { createFestival } from "./festival";
import { SpeechInputError, SpeechUnavailableError, type SpeechStatus, type Synthesizer } from "./types";

const INSTALL =
  "Install them (Debian/Ubuntu: apt-get install festival festvox-us-slt-hts espeak-ng), or set TTS_BASE_URL to an OpenAI-compatible /v1/audio/speech server.";

export function createEmbeddedSynthesizer(options: { espeakPath?: string; festivalPath?: string; festivalVoicesDir?: string; voice?: string } = {}): Synthesizer {
  const espeak = createEspeak({ program: options.espeakPath });
  const festival = createFestival({ program: options.festivalPath, voicesDir: options.festivalVoicesDir });
  const both = async () => {
    const [f, e] = await Promise.all([festival.probe(), espeak.probe()]);
    return { festival: f, espeak: e };
  };

  async function defaultVoice(): Promise<string> {
    if (options.voice) return options.voice;
    const { festival: f } = await both();
    return f.ok ? f.voices[0]! : "en-us";
  }

  return {
    provider: "embedded",
    model: "festival+espeak-ng",
    defaultVoice,

    async status(): Promise<SpeechStatus> {
      const { festival: f, espeak: e } = await both();
      if (!f.ok && !e.ok) return { state: "unavailable", provider: "embedded", detail: `No text to speech: ${f.detail} ${e.detail} ${INSTALL}` };
      const parts = [
        f.ok ? `Festival (${f.voices.join(", ")}) for English` : null,
        e.ok ? `${e.version.replace(/^eSpeak NG text-to-speech:/, "espeak-ng")} for ${f.ok ? "other languages" : "all languages (robotic)"}` : null,
      ].filter(Boolean);
      const missing = !f.ok ? ` For a natural English voice: ${f.detail}` : !e.ok ? ` English only: ${e.detail}` : "";
      return { state: "ready", provider: "embedded", detail: `Speech by ${parts.join(" and ")} on this machine's CPU.${missing}` };
    },

    async voices() {
      const { festival: f, espeak: e } = await both();
      return [...(f.ok ? f.voices : []), ...(e.ok ? e.voices : [])];
    },

    async synthesize(text, { voice, speed, signal }) {
      const { festival: f, espeak: e } = await both();
      if (!f.ok && !e.ok) throw new SpeechUnavailableError(`No text to speech: ${f.detail} ${e.detail} ${INSTALL}`);
      if (f.ok && f.voices.includes(voice)) return { audio: await festival.synthesize(text, { voice, speed, signal }), contentType: "audio/wav" };
      // "en-us" or a language with a variant: "en-us+f3".
      if (e.ok && e.voices.includes(voice.split("+")[0]!)) return { audio: await espeak.synthesize(text, { voice, speed, signal }), contentType: "audio/wav" };
      const known = [...(f.ok ? f.voices.slice(0, 3) : []), ...(e.ok ? ["en-us", "de", "fr"] : [])].join(", ");
      throw new SpeechInputError(`The voice "${voice}" is not installed here: use one such as ${known} (GET /api/tts lists them all).`, 400);
    },
  };
}
