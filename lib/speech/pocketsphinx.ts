/**
 * Speech to text on this machine's CPU with CMU pocketsphinx (Debian
 * `pocketsphinx` + `pocketsphinx-en-us`): no network, no GPU, English only,
 * and it gets many words wrong (word error rate 20-55 %): the UI labels it
 * low accuracy. For real transcription point ASR_BASE_URL at Whisper.
 */
import { randomUUID } from "node:crypto";
import { existsSync } from "node:fs";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { cachedFor, MissingProgramError, runProgram } from "./process";
import { SpeechInputError, SpeechUnavailableError, type SpeechStatus, type Transcriber } from "./types";
import { durationSeconds, encodeWav, isWav, parseWav, pcm16, resample, toMonoFloat, WavError } from "./wav";

const INSTALL =
  "Install it (Debian/Ubuntu: apt-get install pocketsphinx pocketsphinx-en-us), or set ASR_BASE_URL to an OpenAI-compatible /v1/audio/transcriptions server (Whisper).";
const DEFAULT_MODEL_DIR = "/usr/share/pocketsphinx/model/en-us";

export function createPocketsphinxTranscriber(options: { program?: string; modelDir?: string; maxSeconds?: number } = {}): Transcriber {
  const program = options.program ?? "pocketsphinx_continuous";
  const modelDir = options.modelDir ?? DEFAULT_MODEL_DIR;
  const maxSeconds = options.maxSeconds ?? 120;

  const probe = cachedFor(30_000, async (): Promise<{ ok: true } | { ok: false; detail: string }> => {
    try {
      // With no arguments it prints its options and exits: proof it runs.
      await runProgram(program, ["-logfn", "/dev/null"], { timeoutMs: 5_000 });
    } catch (error) {
      if (error instanceof MissingProgramError) return { ok: false, detail: `No voice input: ${program} is not installed. ${INSTALL}` };
      return { ok: false, detail: `No voice input: ${program} does not run (${error instanceof Error ? error.message : String(error)}). ${INSTALL}` };
    }
    if (!existsSync(path.join(/*turbopackIgnore: true*/ modelDir, "en-us", "mdef"))) {
      return { ok: false, detail: `No voice input: the English model of pocketsphinx is missing (${modelDir}). ${INSTALL}` };
    }
    return { ok: true };
  });

  return {
    provider: "embedded",
    model: "pocketsphinx (en-us)",
    lowAccuracy: true,

    async status(): Promise<SpeechStatus> {
      const result = await probe();
      return result.ok
        ? { state: "ready", provider: "embedded", detail: "Transcription by pocketsphinx on this machine's CPU: English only, low accuracy (set ASR_BASE_URL to a Whisper server for better)." }
        : { state: "unavailable", provider: "embedded", detail: result.detail };
    },

    async transcribe(audio, { language, signal }) {
      const result = await probe();
      if (!result.ok) throw new SpeechUnavailableError(result.detail);
      if (language && !/^en\b/i.test(language)) {
        throw new SpeechInputError(`The embedded recognizer knows English only (language "${language}" was asked for).`, 422);
      }
      if (!isWav(audio)) {
        throw new SpeechInputError("The embedded recognizer reads WAV audio only: send audio/wav (PCM), as the microphone button does.", 415);
      }
      let samples: Float32Array;
      try {
        const pcm = parseWav(audio);
        if (durationSeconds(pcm) > maxSeconds) {
          throw new SpeechInputError(`The recording is ${durationSeconds(pcm).toFixed(0)} s long; at most ${maxSeconds} s can be transcribed at once.`, 413);
        }
        samples = resample(toMonoFloat(pcm), pcm.sampleRate, 16_000);
      } catch (error) {
        if (error instanceof WavError) throw new SpeechInputError(`The audio is not a readable WAV file: ${error.message}.`, 422);
        throw error;
      }
      // pocketsphinx wants a seekable 16 kHz, 16-bit mono file.
      const file = path.join(os.tmpdir(), `parley-asr-${randomUUID()}.wav`);
      await fs.writeFile(file, encodeWav(pcm16(samples, 16_000)));
      try {
        const run = await runProgram(
          program,
          ["-infile", file, "-hmm", path.join(modelDir, "en-us"), "-lm", path.join(modelDir, "en-us.lm.bin"), "-dict", path.join(modelDir, "cmudict-en-us.dict"), "-logfn", "/dev/null"],
          { signal, timeoutMs: Math.max(30_000, maxSeconds * 2_000) },
        );
        if (run.code !== 0) throw new Error(`pocketsphinx failed (exit ${run.code}): ${run.stderr || "no output"}`);
        const text = run.stdout.toString("utf8").split("\n").map((line) => line.trim()).filter(Boolean).join(" ");
        return { text };
      } finally {
        await fs.rm(file, { force: true });
      }
    },
  };
}
