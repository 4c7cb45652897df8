import type { LanguageModelV4StreamPart } from "@ai-sdk/provider";
import { generateText, streamText } from "ai";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { LlamaChatModel, toChatHistory } from "../../lib/ai/embedded/llama-model";
import { cachedTinyLlamaGguf } from "../helpers/tiny-gguf";

let model: LlamaChatModel;

beforeAll(async () => {
  const started = Date.now();
  model = await LlamaChatModel.load({
    modelPath: cachedTinyLlamaGguf({ seed: 1, contextLength: 4096 }),
    contextSize: 4096,
  });
  expect(Date.now() - started).toBeLessThan(30_000);
});

afterAll(async () => {
  await model?.dispose();
});

async function readAll(stream: ReadableStream<LanguageModelV4StreamPart>): Promise<LanguageModelV4StreamPart[]> {
  const parts: LanguageModelV4StreamPart[] = [];
  for await (const part of stream as unknown as AsyncIterable<LanguageModelV4StreamPart>) parts.push(part);
  return parts;
}

describe("LlamaChatModel (tiny random-weight GGUF)", () => {
  it("loads the generated GGUF and names itself after the file", () => {
    expect(model.specificationVersion).toBe("v4");
    expect(model.modelId).toMatch(/^tiny-llama/);
    expect(model.contextSize).toBe(4096);
  });

  it("streams text deltas through streamText and finishes with usage", async () => {
    const result = streamText({
      model,
      system: "You are terse.",
      prompt: "Say something.",
      maxOutputTokens: 12,
      temperature: 0,
    });
    const deltas: string[] = [];
    for await (const delta of result.textStream) deltas.push(delta);

    expect(deltas.length).toBeGreaterThanOrEqual(1);
    expect(deltas.join("").length).toBeGreaterThan(0);
    expect(await result.text).toBe(deltas.join(""));
    // The tiny model never emits end-of-generation, so it runs into the token limit.
    expect(await result.finishReason).toBe("length");
    const usage = await result.usage;
    expect(usage.outputTokens).toBe(12);
    expect(usage.inputTokens).toBeGreaterThan(5);
  });

  it("emits the V4 stream parts in order", async () => {
    const { stream } = await model.doStream({
      prompt: [{ role: "user", content: [{ type: "text", text: "Hi" }] }],
      maxOutputTokens: 5,
      temperature: 0,
    });
    const parts = await readAll(stream);
    const types = parts.map((p) => p.type);
    expect(types[0]).toBe("stream-start");
    expect(types.at(-1)).toBe("finish");
    const textStart = types.indexOf("text-start");
    const textEnd = types.indexOf("text-end");
    expect(textStart).toBeGreaterThan(0);
    expect(textEnd).toBe(types.length - 2);
    const deltaIndexes = types.flatMap((t, i) => (t === "text-delta" ? [i] : []));
    expect(deltaIndexes.length).toBeGreaterThanOrEqual(1);
    expect(deltaIndexes.every((i) => i > textStart && i < textEnd)).toBe(true);
    const finish = parts.at(-1) as Extract<LanguageModelV4StreamPart, { type: "finish" }>;
    expect(finish.finishReason).toEqual({ unified: "length", raw: "maxTokens" });
    expect(finish.usage.outputTokens.total).toBe(5);
    expect(finish.usage.inputTokens.total).toBeGreaterThan(0);
  });

  it("is deterministic at temperature 0", async () => {
    const ask = () =>
      generateText({ model, prompt: "Tell me about the sea.", maxOutputTokens: 20, temperature: 0 }).then((r) => r.text);
    const first = await ask();
    const second = await ask();
    expect(first.length).toBeGreaterThan(0);
    expect(second).toBe(first);
    // and the prompt matters: a different question gives a different answer
    const other = await generateText({ model, prompt: "Name a mountain range.", maxOutputTokens: 20, temperature: 0 });
    expect(other.text).not.toBe(first);
  });

  it("reports reused prompt tokens as cache reads", async () => {
    const prompt = "A question that is asked twice in a row.";
    await generateText({ model, prompt, maxOutputTokens: 3, temperature: 0 });
    const again = await generateText({ model, prompt, maxOutputTokens: 3, temperature: 0 });
    const input = again.usage.inputTokenDetails;
    expect(again.usage.inputTokens).toBeGreaterThan(0);
    expect(input.cacheReadTokens).toBeGreaterThan(0);
    expect((input.cacheReadTokens ?? 0) + (input.noCacheTokens ?? 0)).toBe(again.usage.inputTokens);
  });

  it("stops promptly when aborted", async () => {
    const controller = new AbortController();
    let deltas = 0;
    let aborted = false;
    let abortedAt = 0;
    const result = streamText({
      model,
      prompt: "Write a very long story.",
      maxOutputTokens: 3000, // several seconds of decoding if nothing stopped it
      temperature: 0,
      abortSignal: controller.signal,
      onAbort: () => {
        aborted = true;
      },
    });
    for await (const part of result.fullStream) {
      if (part.type === "text-delta" && ++deltas === 3) {
        abortedAt = Date.now();
        controller.abort();
      }
    }
    expect(aborted).toBe(true);
    expect(deltas).toBeLessThan(50);

    // The one sequence is free again at once: had decoding gone on, this would queue behind it.
    const next = await generateText({ model, prompt: "Still there?", maxOutputTokens: 4, temperature: 0 });
    expect(next.text.length).toBeGreaterThan(0);
    expect(Date.now() - abortedAt).toBeLessThan(1000);
  });

  it("rejects doGenerate with the abort reason, promptly", async () => {
    const controller = new AbortController();
    const promise = model.doGenerate({
      prompt: [{ role: "user", content: [{ type: "text", text: "Count to a thousand." }] }],
      maxOutputTokens: 3000,
      temperature: 0,
      abortSignal: controller.signal,
    });
    await new Promise((resolve) => setTimeout(resolve, 50));
    const abortedAt = Date.now();
    controller.abort(new Error("user went away"));
    await expect(promise).rejects.toThrow("user went away");
    expect(Date.now() - abortedAt).toBeLessThan(1000);
  });

  it("lets a queued request leave the queue when aborted", async () => {
    const first = generateText({ model, prompt: "Take your time.", maxOutputTokens: 200, temperature: 0 });
    const controller = new AbortController();
    const second = model.doGenerate({
      prompt: [{ role: "user", content: [{ type: "text", text: "Me next" }] }],
      maxOutputTokens: 5,
      abortSignal: controller.signal,
    });
    await vi.waitFor(() => expect(model.queuedRequests).toBe(1), { timeout: 2000, interval: 1 });
    controller.abort(new Error("gave up waiting"));
    await expect(second).rejects.toThrow("gave up waiting");
    expect(model.queuedRequests).toBe(0);
    expect((await first).usage.outputTokens).toBe(200);
  });

  it("queues concurrent requests on one sequence instead of failing", async () => {
    const ask = (prompt: string) => generateText({ model, prompt, maxOutputTokens: 10, temperature: 0 }).then((r) => r.text);
    const alone = [await ask("first question"), await ask("second question"), await ask("third question")];
    const together = await Promise.all([ask("first question"), ask("second question"), ask("third question")]);
    expect(together).toEqual(alone);
  });

  it("stops at a stop sequence", async () => {
    const full = await generateText({ model, prompt: "Go on.", maxOutputTokens: 20, temperature: 0 });
    const stopAt = full.text.trim().slice(4, 7);
    expect(stopAt.length).toBe(3);
    const cut = await generateText({ model, prompt: "Go on.", maxOutputTokens: 20, temperature: 0, stopSequences: [stopAt] });
    expect(cut.finishReason).toBe("stop");
    expect(full.text.startsWith(cut.text)).toBe(true);
    expect(cut.text).not.toContain(stopAt);
  });
});

describe("toChatHistory", () => {
  it("maps system, user and assistant messages and ends with an open model turn", () => {
    const { history, warnings } = toChatHistory([
      { role: "system", content: "Be brief." },
      { role: "system", content: "Use Markdown." },
      { role: "user", content: [{ type: "text", text: "Hi" }, { type: "text", text: "there" }] },
      { role: "assistant", content: [{ type: "reasoning", text: "hmm" }, { type: "text", text: "Hello!" }] },
      {
        role: "user",
        content: [
          { type: "text", text: "Read this:" },
          { type: "file", mediaType: "text/plain", data: { type: "data", data: new TextEncoder().encode("notes") } },
          { type: "file", mediaType: "image/png", data: { type: "data", data: new Uint8Array([1, 2, 3]) } },
        ],
      },
    ]);
    expect(history).toEqual([
      { type: "system", text: "Be brief.\n\nUse Markdown." },
      { type: "user", text: "Hi\n\nthere" },
      { type: "model", response: ["Hello!"] },
      { type: "user", text: "Read this:\n\nnotes" },
      { type: "model", response: [] },
    ]);
    expect(warnings).toEqual([{ type: "unsupported", feature: "file parts (image/png)", details: "ignored by the embedded model" }]);
  });

  it("lets the model continue a trailing assistant message", () => {
    const { history } = toChatHistory([
      { role: "user", content: [{ type: "text", text: "Finish: roses are" }] },
      { role: "assistant", content: [{ type: "text", text: "red" }] },
    ]);
    expect(history.at(-1)).toEqual({ type: "model", response: ["red"] });
  });
});
