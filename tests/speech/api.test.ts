import { spawnSync } from "node:child_process";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { durationSeconds, encodeWav, parseWav, pcm16 } from "../../lib/speech/wav";
import { flushTraces } from "../../lib/telemetry/trace-writer";
import { fakeSpeech } from "../fake-llm/server";
import { startTestApp, type TestApp, type TestUser } from "../helpers/app";

const HAS_FESTIVAL = !spawnSync("text2wave", ["-h"], { stdio: "ignore" }).error;
const SPEECH_ENV = ["TTS_BASE_URL", "TTS_MODEL", "TTS_VOICE", "TTS_MAX_CHARS", "TTS_EMBEDDED", "ESPEAK_PATH", "FESTIVAL_PATH", "ASR_BASE_URL", "ASR_EMBEDDED", "ASR_MAX_BYTES", "POCKETSPHINX_PATH"];

interface AudioEvent {
  type: "audio" | "done" | "error";
  index?: number;
  text?: string;
  audio?: string;
  cached?: boolean;
  contentType?: string;
  message?: string;
  status?: number;
  at: number;
}

/** Reads a streamed /api/tts answer event by event, noting when each arrived. */
async function readEvents(response: Response): Promise<AudioEvent[]> {
  const events: AudioEvent[] = [];
  const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    buffer += value;
    let end: number;
    while ((end = buffer.indexOf("\n\n")) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const data = block.split("\n").find((l) => l.startsWith("data: "));
      if (data) events.push({ ...(JSON.parse(data.slice(6)) as AudioEvent), at: Date.now() });
    }
  }
  return events;
}

describe("speech over HTTP", () => {
  let app: TestApp;
  let user: TestUser;
  const speak = (body: unknown, who: TestUser = user) => who.fetch("/api/tts", { method: "POST", json: body });

  beforeAll(async () => {
    app = await startTestApp("pglite");
    user = await app.user();
  });
  afterAll(() => app.close());
  afterEach(() => {
    for (const name of SPEECH_ENV) delete process.env[name];
  });
  const remote = (extra: Record<string, string> = {}) =>
    Object.assign(process.env, { TTS_BASE_URL: app.fake.url, TTS_MODEL: "fake-tts", TTS_VOICE: "af_test", ASR_BASE_URL: app.fake.url, ...extra });

  it("asks for a sign-in", async () => {
    remote();
    expect((await fetch(`${app.url}/api/tts`, { method: "POST", body: JSON.stringify({ text: "Hi there." }) })).status).toBe(401);
    expect((await fetch(`${app.url}/api/transcribe`, { method: "POST", body: new Uint8Array(10) })).status).toBe(401);
    expect((await fetch(`${app.url}/api/tts`)).status).toBe(401);
  });

  it("answers bad input with a 4xx that says what is wrong", async () => {
    remote({ TTS_MAX_CHARS: "200" });
    const cases: Array<[unknown, number, RegExp]> = [
      [{}, 400, /text/],
      [{ text: "" }, 400, /text must not be empty/],
      [{ text: 42 }, 400, /text must be a string/],
      [{ text: "Hi.", speed: 3 }, 400, /speed must be at most 2/],
      [{ text: "Hi.", speed: "fast" }, 400, /speed must be a number/],
      [{ text: "Hi.", voice: "a voice; rm -rf" }, 400, /voice may hold/],
      [{ text: "x".repeat(201) }, 413, /201 characters; at most 200/],
      [{ text: "```js\nconst x = 1;\n```", markdown: true }, 400, /nothing to speak/],
    ];
    for (const [body, status, message] of cases) {
      const response = await speak(body);
      const json = (await response.json()) as { error: { message: string } };
      expect([response.status, json.error.message], JSON.stringify(body)).toEqual([status, expect.stringMatching(message)]);
    }
    const notJson = await user.fetch("/api/tts", { method: "POST", body: "text=hi", headers: { "content-type": "text/plain" } });
    expect(notJson.status).toBe(415);
  });

  it("answers text in, one WAV out: the sentences joined", async () => {
    remote();
    const text = "The first sentence is here. The second one follows it. And a third one ends the text.";
    const response = await speak({ text });
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("audio/wav");
    expect(response.headers.get("x-tts-sentences")).toBe("3");
    const wav = parseWav(new Uint8Array(await response.arrayBuffer()));
    const expected = ["The first sentence is here.", "The second one follows it.", "And a third one ends the text."]
      .map((s) => durationSeconds(parseWav(fakeSpeech(s))))
      .reduce((a, b) => a + b);
    expect(durationSeconds(wav)).toBeCloseTo(expected, 3);
    const asked = app.fake.speechRequests.at(-1)!.body;
    expect(asked).toMatchObject({ model: "fake-tts", voice: "af_test", speed: 1, response_format: "wav" });
  });

  it("streams the first sentence while later ones are still being synthesized, then serves them from the cache", async () => {
    remote();
    app.fake.rules.push({ match: "slowmarker", speechDelayMs: 400 });
    const text = Array.from({ length: 6 }, (_, i) => `Sentence number ${i + 1} carries the slowmarker word.`).join(" ");
    const started = Date.now();
    const response = await speak({ text, stream: true });
    expect(response.headers.get("content-type")).toContain("text/event-stream");
    const events = await readEvents(response);
    const audio = events.filter((e) => e.type === "audio");
    expect(audio.map((e) => e.index)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(events.at(-1)).toMatchObject({ type: "done", sentences: 6, cached: 0 });
    const lastMade = Math.max(...app.fake.speechRequests.filter((r) => String(r.body.input).includes("slowmarker")).map((r) => r.completedAt!));
    const firstAudio = audio[0]!.at - started;
    console.log(`[tests] /api/tts stream: first audio after ${firstAudio} ms, last sentence made after ${lastMade - started} ms`);
    // Two sentences are made at a time (TTS_CONCURRENCY=2), 400 ms each: the last is ready ~1.2 s in.
    expect(firstAudio).toBeLessThan(1_000);
    expect(audio[0]!.at).toBeLessThan(lastMade - 500);
    for (const event of audio) {
      expect(event.contentType).toBe("audio/wav");
      expect(durationSeconds(parseWav(Buffer.from(event.audio!, "base64")))).toBeGreaterThan(1);
    }

    // The same text, voice and speed again: every sentence from the cache, at once.
    const asked = app.fake.speechRequests.length;
    const again = Date.now();
    const cachedEvents = await readEvents(await speak({ text, stream: true }));
    expect(cachedEvents.filter((e) => e.type === "audio").every((e) => e.cached)).toBe(true);
    expect(cachedEvents.at(-1)).toMatchObject({ type: "done", cached: 6 });
    expect(cachedEvents[0]!.at - again).toBeLessThan(300);
    expect(app.fake.speechRequests.length).toBe(asked);

    // Another speed is other audio; another user never gets this user's cache.
    await readEvents(await speak({ text: "Sentence number 1 carries the slowmarker word.", speed: 1.5, stream: true }));
    expect(app.fake.speechRequests.length).toBe(asked + 1);
    const other = await app.user();
    const theirs = await readEvents(await speak({ text: "Sentence number 1 carries the slowmarker word.", stream: true }, other));
    expect(theirs[0]).toMatchObject({ type: "audio", cached: false });

    // Time to first audio and synthesis time are stages of the request's trace.
    await flushTraces();
    const traces = await app.database.db.prisma.requestTrace.findMany({ where: { kind: "tts", userId: user.id }, include: { stages: true } });
    const traced = traces.find((t) => t.stages.some((s) => s.name === "synthesis" && s.durationMs >= 2_000));
    expect(traced).toBeDefined();
    expect(traced!.stages.map((s) => s.name).sort()).toEqual(["auth", "first_audio", "synthesis"]);
    expect(traced!.ttftMs).toBeGreaterThan(300);
    expect(traced!.model).toBe("fake-tts");
  });

  it("tells the client when the speech server fails mid-answer, and answers 503 when it is down", async () => {
    remote();
    app.fake.rules.push({ match: "brokenmarker", speechError: { status: 500, message: "GPU on fire" } });
    const events = await readEvents(await speak({ text: "This sentence is fine to say aloud. This one has the brokenmarker inside.", stream: true }));
    expect(events.map((e) => e.type)).toEqual(["audio", "error"]);
    expect(events[1]).toMatchObject({ status: 503, message: expect.stringContaining("GPU on fire") });
    process.env.TTS_BASE_URL = "http://127.0.0.1:9/v1";
    const down = await speak({ text: "Nobody will hear this sentence at all." });
    expect(down.status).toBe(503);
    expect(((await down.json()) as { error: { message: string } }).error.message).toMatch(/did not answer.*TTS_BASE_URL/);
  });

  it("transcribes a WAV sent raw or as multipart, through the transcription server", async () => {
    remote();
    const wav = encodeWav(pcm16(new Float32Array(16_000 * 2), 16_000));
    const raw = await user.fetch("/api/transcribe", { method: "POST", body: wav, headers: { "content-type": "audio/wav" } });
    expect(await raw.json()).toEqual({ text: "fake transcript of 2.0 seconds", provider: "remote", model: "whisper-1", lowAccuracy: false });
    const form = new FormData();
    form.append("file", new Blob([wav], { type: "audio/wav" }), "speech.wav");
    form.append("language", "en");
    const multipart = await user.fetch("/api/transcribe", { method: "POST", body: form });
    expect(((await multipart.json()) as { text: string }).text).toBe("fake transcript of 2.0 seconds");
    expect(app.fake.transcriptionRequests.at(-1)!.body).toMatchObject({ model: "whisper-1", language: "en" });
    const info = (await (await user.fetch("/api/transcribe")).json()) as { available: boolean; provider: string };
    expect(info).toMatchObject({ available: true, provider: "remote" });
  });

  it("answers bad audio with a 4xx that says what is wrong", async () => {
    remote({ ASR_MAX_BYTES: "1000" });
    const post = (body: BodyInit, type?: string) => user.fetch("/api/transcribe", { method: "POST", body, headers: type ? { "content-type": type } : {} });
    const cases: Array<[Response, number, RegExp]> = [
      [await post("hello", "text/plain"), 415, /audio/],
      [await post(new Uint8Array(0), "audio/wav"), 400, /empty/],
      [await post(new Uint8Array(2_000), "audio/wav"), 413, /at most 1000 bytes/],
      [await post(new FormData()), 400, /"file"/],
      [await post(new Uint8Array(10), "audio/wav?"), 415, /audio/],
    ];
    for (const [response, status, message] of cases) {
      expect([response.status, ((await response.json()) as { error: { message: string } }).error.message]).toEqual([status, expect.stringMatching(message)]);
    }
    const badLanguage = await user.fetch("/api/transcribe?language=english!", { method: "POST", body: new Uint8Array(10), headers: { "content-type": "audio/wav" } });
    expect(badLanguage.status).toBe(400);
  });

  it("without the speech programs: health says why and the routes answer 503, nothing crashes", async () => {
    Object.assign(process.env, { ESPEAK_PATH: "/nonexistent/espeak-ng", FESTIVAL_PATH: "/nonexistent/text2wave", POCKETSPHINX_PATH: "/nonexistent/pocketsphinx" });
    const health = await user.fetch("/api/health");
    expect(health.status).toBe(200);
    const body = (await health.json()) as { speech: { tts: { state: string; detail: string }; asr: { state: string; detail: string } } };
    expect(body.speech.tts).toMatchObject({ state: "unavailable", provider: "embedded", detail: expect.stringMatching(/not installed.*apt-get install/) });
    expect(body.speech.asr).toMatchObject({ state: "unavailable", provider: "embedded", detail: expect.stringMatching(/pocketsphinx is not installed/) });
    expect(await (await user.fetch("/api/tts")).json()).toMatchObject({ available: false, detail: expect.stringContaining("not installed") });
    expect(await (await user.fetch("/api/transcribe")).json()).toMatchObject({ available: false, detail: expect.stringContaining("not installed") });
    // Paths, install hints and server errors are for administrators; other users learn only that it is off.
    const other = await app.user();
    for (const path of ["/api/tts", "/api/transcribe"]) {
      const info = (await (await other.fetch(path)).json()) as { available: boolean; detail: string };
      expect(info).toMatchObject({ available: false, detail: expect.stringMatching(/not available on this server/) });
      expect(info.detail).not.toMatch(/nonexistent|apt-get|http/);
    }
    const speakResponse = await speak({ text: "Can anyone hear me now?" });
    expect(speakResponse.status).toBe(503);
    const hear = await user.fetch("/api/transcribe", { method: "POST", body: new Uint8Array(100), headers: { "content-type": "audio/wav" } });
    expect(hear.status).toBe(503);

    Object.assign(process.env, { TTS_EMBEDDED: "0", ASR_EMBEDDED: "0" });
    const off = (await (await user.fetch("/api/health")).json()) as { speech: { tts: { provider: string; detail: string } } };
    expect(off.speech.tts).toMatchObject({ provider: "none", detail: expect.stringContaining("TTS_EMBEDDED=0") });
  });

  it.skipIf(!HAS_FESTIVAL)("speaks with the embedded engine when no server is set", async () => {
    const info = (await (await user.fetch("/api/tts")).json()) as { available: boolean; provider: string; voices: string[]; defaultVoice: string };
    expect(info).toMatchObject({ available: true, provider: "embedded", defaultVoice: "cmu_us_slt_arctic_hts" });
    expect(info.voices).toContain("en-us");
    const events = await readEvents(await speak({ text: "Hello from the embedded voice. It runs on this machine.", stream: true }));
    expect(events.filter((e) => e.type === "audio")).toHaveLength(2);
    const german = await speak({ text: "Guten Tag, wie geht es Ihnen heute?", voice: "de" });
    expect(durationSeconds(parseWav(new Uint8Array(await german.arrayBuffer())))).toBeGreaterThan(1);
  });
});
