import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { expect, screenshot, test } from "./support/fixtures";
import { fakeLlm } from "./support/fake-llm";
import { encodeWav, parseWav, pcm16, resample, toMonoFloat } from "../lib/speech/wav";
import { chromiumLaunch, ROOT } from "./support/env";

/**
 * The microphone is Chromium's fake capture device playing a WAV: half a second
 * of silence, a sentence spoken by espeak-ng, then 3.5 s of silence (the file
 * loops). Silero VAD has to recognise the speech as speech (a synthetic tone
 * would not do) and end the turn on the silence after it by itself.
 */
const SAMPLE_RATE = 48_000;
const LEAD_SECONDS = 0.5;
const TAIL_SECONDS = 3.5;
/** The recorder's silence window after speech (components/speech/recorder.ts). */
const END_SILENCE_SECONDS = 1.2;
const MIC_FILE = path.join(ROOT, ".tmp", "e2e-mic.wav");

/** A sentence spoken by espeak-ng, as float samples at SAMPLE_RATE. */
function spoken(text: string): Float32Array {
  const wav = parseWav(execFileSync("espeak-ng", ["--stdout", "-s", "150", text]));
  const voice = toMonoFloat(wav);
  // Without espeak-ng's trailing pause, so the speech ends where the voice does.
  let length = voice.length;
  while (length > 0 && Math.abs(voice[length - 1]!) < 100 / 32768) length--;
  return resample(voice.subarray(0, length), wav.sampleRate, SAMPLE_RATE);
}

/** The fake microphone's file: lead-in silence, the speech, trailing silence. */
function micWav(speech: Float32Array): Uint8Array {
  const samples = new Float32Array(LEAD_SECONDS * SAMPLE_RATE + speech.length + TAIL_SECONDS * SAMPLE_RATE);
  samples.set(speech, LEAD_SECONDS * SAMPLE_RATE);
  return encodeWav(pcm16(samples, SAMPLE_RATE));
}

const speech = spoken("What is the capital of Portugal? I would like to know a little about its history, too.");
const SPEECH_SECONDS = speech.length / SAMPLE_RATE;
fs.mkdirSync(path.dirname(MIC_FILE), { recursive: true });
fs.writeFileSync(MIC_FILE, micWav(speech));

test.use({
  launchOptions: chromiumLaunch(
    "--autoplay-policy=no-user-gesture-required",
    "--use-fake-ui-for-media-stream",
    "--use-fake-device-for-media-stream",
    `--use-file-for-fake-audio-capture=${MIC_FILE}`,
  ),
});

test("microphone: the turn ends on silence and the transcript lands in the message box", async ({ page, chat, account: _account }) => {
  await fakeLlm.defaults({ transcript: "What is the capital of Portugal?" });
  await chat.gotoNew();
  const mic = page.getByRole("button", { name: "Voice input" });
  await expect(mic).toBeVisible();
  await screenshot(page, "voice-01-mic");
  await chat.composer.fill("Quick question:");
  await mic.click();
  const recording = page.getByRole("button", { name: "Stop recording" });
  await expect(recording).toBeVisible();
  // Silero VAD (not the energy fallback) decides when the turn is over.
  await expect(page.getByTestId("voice-detector")).toHaveText("voice detector: Silero");
  await expect(recording).toHaveAttribute("data-detector", "Silero");
  await screenshot(page, "voice-02-listening");
  // No second click: the silence after the speech ends the turn.
  await expect(chat.composer).toHaveValue("Quick question: What is the capital of Portugal?", { timeout: 15_000 });
  await expect(page.getByRole("button", { name: "Voice input" })).toBeVisible();
  await screenshot(page, "voice-03-transcribed");
  const requests = (await (await fetch(`${process.env.E2E_FAKE_LLM_URL ?? "http://127.0.0.1:4417"}/__fake/requests?kind=transcriptions`)).json()) as Array<{ body: { bytes: number } }>;
  const sent = requests.at(-1)!.body.bytes;
  // A 16 kHz 16-bit WAV of the turn: the lead-in, the speech and the silence window that ended it,
  // not the whole looped file (plus the detector's latency: 32 ms frames and a threshold to fall under).
  const seconds = (sent - 44) / 32_000;
  const expected = LEAD_SECONDS + SPEECH_SECONDS + END_SILENCE_SECONDS;
  console.log(`[e2e] microphone: speech ${SPEECH_SECONDS.toFixed(2)} s, sent ${seconds.toFixed(2)} s of audio (expected ~${expected.toFixed(2)} s)`);
  expect(seconds).toBeGreaterThan(expected - 0.4);
  expect(seconds).toBeLessThan(expected + 1);
  // Not sent by itself: the user checks, then sends.
  await expect(chat.answers).toHaveCount(0);
});

test("microphone: a second click ends the turn", async ({ page, chat, account: _account }) => {
  await fakeLlm.defaults({ transcript: "stopped by hand" });
  await chat.gotoNew();
  // As for a person, who clicks a while after the page opened: Silero's runtime has loaded by then.
  const mic = page.getByRole("button", { name: "Voice input" });
  await expect(mic).toHaveAttribute("data-silero-preload", "ready", { timeout: 20_000 });
  await mic.click();
  const stop = page.getByRole("button", { name: "Stop recording" });
  await expect(stop).toBeVisible();
  await expect(page.getByTestId("voice-detector")).toHaveText("voice detector: Silero");
  // Mid-sentence: Silero would not end this turn yet, the click does.
  await stop.click();
  await expect(chat.composer).toHaveValue("stopped by hand", { timeout: 10_000 });
  const requests = (await (await fetch(`${process.env.E2E_FAKE_LLM_URL ?? "http://127.0.0.1:4417"}/__fake/requests?kind=transcriptions`)).json()) as Array<{ body: { bytes: number } }>;
  const seconds = (requests.at(-1)!.body.bytes - 44) / 32_000;
  console.log(`[e2e] microphone, second click: sent ${seconds.toFixed(2)} s of audio`);
  // Silero would have ended it only after the speech and its silence window (the first test's turn).
  expect(seconds).toBeLessThan(LEAD_SECONDS + SPEECH_SECONDS + END_SILENCE_SECONDS - 0.5);
});

test("microphone: without the Silero model the energy detector ends the turn, and says so", async ({ page, chat, account: _account }) => {
  await fakeLlm.defaults({ transcript: "heard by the fallback" });
  await page.route("**/vad/silero_vad_v5.onnx", (route) => route.fulfill({ status: 404, body: "gone" }));
  await chat.gotoNew();
  await page.getByRole("button", { name: "Voice input" }).click();
  const recording = page.getByRole("button", { name: "Stop recording" });
  await expect(page.getByTestId("voice-detector")).toHaveText("voice detector: energy (Silero unavailable)");
  await expect(recording).toHaveAttribute("data-detector", "energy");
  await screenshot(page, "voice-04-energy-fallback");
  await expect(chat.composer).toHaveValue("heard by the fallback", { timeout: 15_000 });
});
