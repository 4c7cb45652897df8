import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { createEmbeddedSynthesizer } from "../../lib/speech/embedded";
import { createPocketsphinxTranscriber } from "../../lib/speech/pocketsphinx";
import { durationSeconds, parseWav } from "../../lib/speech/wav";

const has = (program: string, args: string[]) => !spawnSync(program, args, { stdio: "ignore" }).error;
const HAS_ESPEAK = has("espeak-ng", ["--version"]);
const HAS_POCKETSPHINX = has("pocketsphinx_continuous", ["-logfn", "/dev/null"]);
const HAS_FESTIVAL = has("text2wave", ["-h"]);
const SLT = "cmu_us_slt_arctic_hts";

if (!HAS_FESTIVAL) console.log("[tests] festival is not installed (apt-get install festival festvox-us-slt-hts): its tests are skipped.");
if (!HAS_ESPEAK) console.log("[tests] espeak-ng is not installed (apt-get install espeak-ng): its tests are skipped.");
if (!HAS_POCKETSPHINX) console.log("[tests] pocketsphinx is not installed (apt-get install pocketsphinx pocketsphinx-en-us): the round trip is skipped.");

/** Lowercased words without punctuation. */
const words = (text: string) => text.toLowerCase().match(/[a-z']+/g) ?? [];

async function plausible(voice: string) {
  const tts = createEmbeddedSynthesizer();
  const sentence = "The quick brown fox jumps over the lazy dog near the river bank.";
  const started = performance.now();
  const normal = await tts.synthesize(sentence, { voice, speed: 1 });
  const ms = performance.now() - started;
  expect(normal.contentType).toBe("audio/wav");
  const pcm = parseWav(normal.audio);
  expect(pcm).toMatchObject({ channels: 1, bitsPerSample: 16, format: 1 });
  expect(pcm.sampleRate).toBeGreaterThanOrEqual(16_000);
  // 13 words at 150-180 words a minute: about 4-5 s; a plausible range, not a voice's exact timing.
  const seconds = durationSeconds(pcm);
  expect(seconds).toBeGreaterThan(2.5);
  expect(seconds).toBeLessThan(8);
  // The header's sizes agree with the bytes (the programs' own stdout headers do not).
  const view = new DataView(normal.audio.buffer, normal.audio.byteOffset);
  expect(view.getUint32(40, true)).toBe(normal.audio.length - 44);
  expect(view.getUint32(4, true)).toBe(normal.audio.length - 8);
  const fast = parseWav((await tts.synthesize(sentence, { voice, speed: 2 })).audio);
  expect(durationSeconds(fast)).toBeLessThan(seconds * 0.75);
  console.log(`[tests] ${voice}: ${seconds.toFixed(2)} s of speech in ${ms.toFixed(0)} ms`);
}

describe.skipIf(!HAS_FESTIVAL)("embedded text to speech (festival)", () => {
  it("makes a valid WAV whose length fits the text, and faster speech is shorter", () => plausible(SLT));

  it("is the default voice when installed, and lists its voices first", async () => {
    const tts = createEmbeddedSynthesizer();
    expect(await tts.defaultVoice()).toBe(SLT);
    expect((await tts.voices())?.[0]).toBe(SLT);
    expect((await tts.status()).detail).toContain("Festival");
  });
});

describe.skipIf(!HAS_ESPEAK)("embedded text to speech (espeak-ng)", () => {
  const tts = createEmbeddedSynthesizer();

  it("makes a valid WAV whose length fits the text, and faster speech is shorter", () => plausible("en-us"));

  it("speaks text that looks like an option as text, and reports ready with its voices", async () => {
    const audio = await tts.synthesize("--version -v xx", { voice: "en-us", speed: 1 });
    expect(durationSeconds(parseWav(audio.audio))).toBeGreaterThan(0.5);
    expect(await tts.status()).toMatchObject({ state: "ready", provider: "embedded" });
    const voices = await tts.voices();
    expect(voices).toContain("en-us");
    expect(voices).toContain("de");
  });

  it("refuses an unknown voice with a message that says what to use", async () => {
    await expect(tts.synthesize("Hello there.", { voice: "xx-nope", speed: 1 })).rejects.toMatchObject({
      name: "SpeechInputError",
      status: 400,
      message: expect.stringContaining("GET /api/tts"),
    });
  });
});

describe("missing speech programs are a status, not a crash", () => {
  it("says which speech programs are not installed and how to fix it", async () => {
    const tts = createEmbeddedSynthesizer({ espeakPath: "/nonexistent/espeak-ng", festivalPath: "/nonexistent/text2wave" });
    const status = await tts.status();
    expect(status.state).toBe("unavailable");
    expect(status.detail).toMatch(/Festival is not installed.*espeak-ng is not installed.*apt-get install festival festvox-us-slt-hts espeak-ng.*TTS_BASE_URL/);
    await expect(tts.synthesize("Hi.", { voice: "en-us", speed: 1 })).rejects.toMatchObject({ name: "SpeechUnavailableError" });
  });

  it("says pocketsphinx is not installed and how to fix it", async () => {
    const asr = createPocketsphinxTranscriber({ program: "/nonexistent/pocketsphinx_continuous" });
    const status = await asr.status();
    expect(status.state).toBe("unavailable");
    expect(status.detail).toMatch(/not installed.*pocketsphinx-en-us.*ASR_BASE_URL/);
  });
});

describe.skipIf(!HAS_FESTIVAL || !HAS_POCKETSPHINX)("round trip: festival speaks, pocketsphinx hears", () => {
  it("gets most words of synthesized sentences back", async () => {
    const tts = createEmbeddedSynthesizer();
    const asr = createPocketsphinxTranscriber();
    expect(await asr.status()).toMatchObject({ state: "ready", provider: "embedded" });
    let hits = 0;
    let total = 0;
    for (const sentence of ["Please call me tomorrow morning at home.", "I want to go to the store and buy some bread."]) {
      const { audio } = await tts.synthesize(sentence, { voice: SLT, speed: 1 });
      const started = performance.now();
      // Festival speaks 32 kHz: the transcriber resamples to 16 kHz itself.
      const { text } = await asr.transcribe(audio, { contentType: "audio/wav", filename: "a.wav" });
      const heard = new Set(words(text));
      const expected = words(sentence);
      const found = expected.filter((w) => heard.has(w)).length;
      hits += found;
      total += expected.length;
      console.log(`[tests] pocketsphinx heard "${text}" for "${sentence}" (${found}/${expected.length} words, ${(performance.now() - started).toFixed(0)} ms)`);
    }
    expect(hits / total).toBeGreaterThan(0.6);
  });

  it("refuses what it cannot read with a clear reason", async () => {
    const asr = createPocketsphinxTranscriber();
    await expect(asr.transcribe(new TextEncoder().encode("\x1aE\xdf\xa3 webm"), { contentType: "audio/webm", filename: "a.webm" })).rejects.toMatchObject({
      status: 415,
      message: expect.stringContaining("WAV"),
    });
    await expect(asr.transcribe(new Uint8Array(100), { contentType: "audio/wav", filename: "a.wav", language: "de" })).rejects.toMatchObject({
      status: 422,
      message: expect.stringContaining("English only"),
    });
  });
});
