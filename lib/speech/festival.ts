/**
 * Text to speech with Festival (Debian `festival` + `festvox-us-slt-hts`):
 * an HTS statistical voice, far more natural than espeak-ng (and understood
 * by a speech recognizer almost word for word, where espeak-ng's formant
 * voice loses half the words), English only, ~0.1x real time plus ~0.3 s to
 * start per sentence. Festival and the voice are under permissive
 * (X11/BSD-style) licences. Parley runs `text2wave` as a separate program.
 */
import { readdir } from "node:fs/promises";
import path from "node:path";
import { cachedFor, MissingProgramError, runProgram } from "./process";
import { encodeWav, isWav, parseWav } from "./wav";

const VOICES_DIR = "/usr/share/festival/voices";
/** A voice name goes into a Scheme expression: only this shape is ever let through. */
const VOICE_NAME = /^[a-z0-9_]+$/;

export interface FestivalEngine {
  /** Installed voices (empty when festival is missing), with the reason when it is. */
  probe(): Promise<{ ok: true; voices: string[] } | { ok: false; detail: string }>;
  synthesize(text: string, options: { voice: string; speed: number; signal?: AbortSignal }): Promise<Uint8Array>;
}

export function createFestival(options: { program?: string; voicesDir?: string } = {}): FestivalEngine {
  const program = options.program ?? "text2wave";
  const voicesDir = options.voicesDir ?? VOICES_DIR;

  const probe = cachedFor(30_000, async (): Promise<{ ok: true; voices: string[] } | { ok: false; detail: string }> => {
    const voices: string[] = [];
    // A system folder read at run time: not part of the build's file tracing.
    for (const language of await readdir(/*turbopackIgnore: true*/ voicesDir).catch(() => [] as string[])) {
      for (const voice of await readdir(path.join(/*turbopackIgnore: true*/ voicesDir, language)).catch(() => [] as string[])) {
        if (VOICE_NAME.test(voice)) voices.push(voice);
      }
    }
    if (voices.length === 0) return { ok: false, detail: `Festival has no voices in ${voicesDir} (apt-get install festival festvox-us-slt-hts).` };
    try {
      // Ready when it really speaks: a missing program or a broken install shows here, not on a user's click.
      const run = await runProgram(program, ["-eval", `(voice_${voices[0]})`], { input: "ok", timeoutMs: 15_000 });
      if (run.code !== 0 || !isWav(run.stdout)) return { ok: false, detail: `Festival's ${program} does not speak: ${run.stderr || `exit ${run.code}`}.` };
    } catch (error) {
      if (error instanceof MissingProgramError) return { ok: false, detail: `Festival is not installed (${program} not found): apt-get install festival festvox-us-slt-hts.` };
      return { ok: false, detail: `Festival's ${program} does not run (${error instanceof Error ? error.message : String(error)}).` };
    }
    // The natural HTS voices first.
    voices.sort((a, b) => Number(b.endsWith("_hts")) - Number(a.endsWith("_hts")) || a.localeCompare(b));
    return { ok: true, voices };
  });

  return {
    probe,
    async synthesize(text, { voice, speed, signal }) {
      if (!VOICE_NAME.test(voice)) throw new Error(`not a festival voice name: ${voice}`);
      const rate = speed.toFixed(2);
      const run = await runProgram(
        program,
        [
          "-eval",
          `(voice_${voice})`,
          // HTS voices take the rate as an engine option; the others stretch durations.
          "-eval",
          `(set! hts_engine_params (append hts_engine_params (list (list "-r" ${rate}))))`,
          "-eval",
          `(Parameter.set 'Duration_Stretch ${(1 / speed).toFixed(3)})`,
        ],
        // Text on stdin: text2wave reads it as text to speak, never as Scheme.
        { input: text, signal, timeoutMs: 30_000 },
      );
      if (run.code !== 0 || !isWav(run.stdout)) throw new Error(`festival failed (exit ${run.code}): ${run.stderr || "no audio"}`);
      return encodeWav(parseWav(run.stdout));
    },
  };
}
