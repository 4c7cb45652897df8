import OpenAI from "openai";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { prisma } from "../../lib/db/client";
import { describeEachBackend } from "../helpers/db";
import { startTestApp, waitFor, type TestApp, type TestUser } from "../helpers/app";

describeEachBackend("OpenAI-compatible /v1", (backend) => {
  let app: TestApp;
  let user: TestUser;
  let client: OpenAI;

  beforeAll(async () => {
    app = await startTestApp(backend);
    user = await app.user();
    client = new OpenAI({ baseURL: `${app.url}/v1`, apiKey: user.key, maxRetries: 0 });
  });
  afterAll(() => app.close());
  beforeEach(() => app.fake.reset());

  it("lists the served model", async () => {
    const models = await client.models.list();
    expect(models.data.map((m) => m.id)).toEqual(["fake-model"]);
  });

  it("answers a non-streaming completion with usage", async () => {
    const completion = await client.chat.completions.create({
      model: "fake-model",
      messages: [
        { role: "system", content: "Answer like a pirate." },
        { role: "user", content: "Hello" },
        { role: "assistant", content: "Ahoy" },
        { role: "user", content: "Where is the treasure?" },
      ],
    });
    expect(completion.object).toBe("chat.completion");
    expect(completion.choices[0]!.message.content).toBe("You said: Where is the treasure?");
    expect(completion.choices[0]!.finish_reason).toBe("stop");
    expect(completion.usage?.completion_tokens).toBe(6);
    expect(completion.usage?.total_tokens).toBe((completion.usage?.prompt_tokens ?? 0) + 6);
    // Same pipeline: Parley's system prompt, then the caller's instructions, then the history.
    const sent = app.fake.requests.at(-1)!.body;
    expect(sent.messages![0]!.role).toBe("system");
    expect(sent.messages![0]!.content).toContain("You are Parley");
    expect(sent.messages![0]!.content).toContain("Answer like a pirate.");
    expect(sent.messages!.slice(1).map((m) => m.content)).toEqual(["Hello", "Ahoy", "Where is the treasure?"]);
  });

  it("streams a completion chunk by chunk, with usage when asked", async () => {
    app.fake.rules.push({ match: "count", reply: "one two three four five", tokensPerSec: 100 });
    const stream = await client.chat.completions.create({
      model: "parley",
      stream: true,
      stream_options: { include_usage: true },
      messages: [{ role: "user", content: "count to five" }],
    });
    let text = "";
    let chunks = 0;
    let usage: OpenAI.CompletionUsage | undefined | null;
    let finish: string | null | undefined;
    for await (const chunk of stream) {
      chunks++;
      text += chunk.choices[0]?.delta.content ?? "";
      finish = chunk.choices[0]?.finish_reason ?? finish;
      usage = chunk.usage ?? usage;
    }
    expect(text).toBe("one two three four five");
    expect(chunks).toBeGreaterThan(2);
    expect(finish).toBe("stop");
    expect(usage?.completion_tokens).toBe(5);
  });

  it("honours max_tokens and reports finish_reason length", async () => {
    app.fake.rules.push({ match: "ramble", reply: "a b c d e f g h i j" });
    const completion = await client.chat.completions.create({
      model: "fake-model",
      max_tokens: 3,
      messages: [{ role: "user", content: "ramble on" }],
    });
    expect(completion.choices[0]!.message.content).toBe("a b c");
    expect(completion.choices[0]!.finish_reason).toBe("length");
    expect(app.fake.requests.at(-1)!.body.max_tokens).toBe(3);
  });

  it("records a v1 trace for the user", async () => {
    await client.chat.completions.create({ model: "fake-model", messages: [{ role: "user", content: "trace me v1" }] });
    const db = await prisma();
    const trace = await waitFor(() => db.requestTrace.findFirst({ where: { source: "v1", userId: user.id }, include: { stages: true } }));
    expect(trace.outcome).toBe("ok");
    expect(trace.stages.map((s) => s.name)).toEqual(expect.arrayContaining(["auth", "prompt_build", "model_ttft"]));
  });

  it("passes model failures on as errors the client understands", async () => {
    app.fake.rules.push({ match: "explode", error: { status: 500, message: "kaboom" } });
    await expect(
      client.chat.completions.create({ model: "fake-model", messages: [{ role: "user", content: "explode" }] }),
    ).rejects.toMatchObject({ status: 502 });
    const stream = await client.chat.completions.create({
      model: "fake-model",
      stream: true,
      messages: [{ role: "user", content: "explode" }],
    });
    await expect(
      (async () => {
        for await (const _ of stream) void _;
      })(),
    ).rejects.toThrow(/500/);
  });

  it("cancels the upstream request when a streaming client aborts", async () => {
    app.fake.rules.push({ match: "endless", reply: "word ".repeat(200), tokensPerSec: 40 });
    const controller = new AbortController();
    const stream = await client.chat.completions.create(
      { model: "fake-model", stream: true, messages: [{ role: "user", content: "endless" }] },
      { signal: controller.signal },
    );
    let n = 0;
    for await (const _ of stream) {
      void _;
      if (++n === 3) controller.abort();
    }
    expect(n).toBeLessThan(10);
    const upstream = await waitFor(async () => app.fake.requests.find((r) => r.aborted));
    expect(upstream.tokensSent).toBeLessThan(200);
  });

  it("rejects bad requests with 4xx", async () => {
    await expect(client.chat.completions.create({ model: "gpt-9", messages: [{ role: "user", content: "hi" }] })).rejects.toMatchObject({
      status: 404,
    });
    await expect(client.chat.completions.create({ model: "fake-model", messages: [] })).rejects.toMatchObject({ status: 400 });
    await expect(
      client.chat.completions.create({ model: "fake-model", messages: [{ role: "assistant", content: "I speak last" }] }),
    ).rejects.toMatchObject({ status: 400 });
    await expect(
      client.chat.completions.create({ model: "fake-model", temperature: 7, messages: [{ role: "user", content: "hi" }] }),
    ).rejects.toMatchObject({ status: 400 });
    const anonymous = new OpenAI({ baseURL: `${app.url}/v1`, apiKey: "pk_wrong", maxRetries: 0 });
    await expect(anonymous.models.list()).rejects.toMatchObject({ status: 401 });
  });
});
