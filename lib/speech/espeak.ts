/**
 * Text to speech with espeak-ng (Debian `espeak-ng`): 100+ languages, about
 * 500x faster than real time, a robotic formant voice. GPL-3: Parley only
 * runs the executable as a separate program, it does not link it.
 */
import { cachedFor, MissingProgramError, runProgram } from "./process";
import { encodeWav, isWav, parseWav } from "./wav";

/** espeak-ng's normal rate, words per minute (its own default). */
const NORMAL_WPM = 175;

export interface EspeakEngine {
  /** Language codes it speaks (en-us, de, fr, …), with the reason when it cannot. */
  probe(): Promise<{ ok: true; version: string; voices: string[] } | { ok: false; detail: string }>;
  synthesize(text: string, options: { voice: string; speed: number; signal?: AbortSignal }): Promise<Uint8Array>;
}

export function createEspeak(options: { program?: string } = {}): EspeakEngine {
  const program = options.program ?? "espeak-ng";
  const probe = cachedFor(30_000, async (): Promise<{ ok: true; version: string; voices: string[] } | { ok: false; detail: string }> => {
    try {
      const version = await runProgram(program, ["--version"], { timeoutMs: 5_000 });
      const list = await runProgram(program, ["--voices"], { timeoutMs: 5_000 });
      const voices = list.stdout
        .toString("utf8")
        .split("\n")
        .slice(1)
        .map((line) => line.trim().split(/\s+/)[1])
        .filter((v): v is string => !!v && v !== "variant");
      return { ok: true, version: version.stdout.toString("utf8").split("Data at")[0]!.trim(), voices };
    } catch (error) {
      if (error instanceof MissingProgramError) return { ok: false, detail: `espeak-ng is not installed (${program} not found): apt-get install espeak-ng.` };
      return { ok: false, detail: `espeak-ng does not run (${error instanceof Error ? error.message : String(error)}).` };
    }
  });
  return {
    probe,
    async synthesize(text, { voice, speed, signal }) {
      const wpm = String(Math.round(NORMAL_WPM * speed));
      // Text on stdin, never as an argument: a text starting with "-" stays text.
      const result = await runProgram(program, ["--stdout", "-v", voice, "-s", wpm], { input: text, signal, timeoutMs: 30_000 });
      if (result.code !== 0 || !isWav(result.stdout)) throw new Error(`espeak-ng failed (exit ${result.code}): ${result.stderr || "no audio"}`);
      // Its stdout header carries placeholder sizes: write a proper one.
      return encodeWav(parseWav(result.stdout));
    },
  };
}
