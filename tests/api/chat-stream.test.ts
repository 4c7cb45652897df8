import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { prisma } from "../../lib/db/client";
import { describeEachBackend } from "../helpers/db";
import { readSse, startTestApp, streamedText, uiChunks, waitFor, type TestApp, type TestUser } from "../helpers/app";

const sendMessage = (user: TestUser, chatId: string, text: string, init: RequestInit = {}) =>
  user.fetch("/api/chat", {
    ...init,
    method: "POST",
    json: { id: chatId, message: { id: randomUUID(), role: "user", parts: [{ type: "text", text }] } },
  });

async function storedMessages(chatId: string) {
  const db = await prisma();
  return db.message.findMany({ where: { chatId }, orderBy: { seq: "asc" } });
}

describeEachBackend("chat streaming", (backend) => {
  let app: TestApp;
  let user: TestUser;

  beforeAll(async () => {
    app = await startTestApp(backend, { LLM_FIRST_TOKEN_TIMEOUT_MS: "60000", LLM_IDLE_TIMEOUT_MS: "30000" });
    user = await app.user();
  });
  afterAll(() => app.close());
  beforeEach(() => {
    process.env.LLM_FIRST_TOKEN_TIMEOUT_MS = "60000";
    process.env.LLM_IDLE_TIMEOUT_MS = "30000";
    app.fake.reset();
    app.fake.rules.push({ match: "short title", anywhere: true, reply: "Greeting chat" });
  });

  it("streams numbered SSE events and stores both messages", async () => {
    const chatId = randomUUID();
    const response = await sendMessage(user, chatId, "Hello, Parley");
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toContain("text/event-stream");
    expect(response.headers.get("x-accel-buffering")).toBe("no");
    expect(response.headers.get("cache-control")).toContain("no-transform");
    expect(response.headers.get("content-encoding")).toBeNull();
    const events = await readSse(response);
    const ids = events.filter((e) => e.id !== undefined).map((e) => e.id!);
    expect(ids).toEqual(ids.map((_, i) => i + 1));
    expect(streamedText(events)).toBe("You said: Hello, Parley");
    const chunks = uiChunks(events);
    const start = chunks.find((c) => c.type === "start")!;
    const finish = chunks.find((c) => c.type === "finish")!;
    expect((finish.messageMetadata as { status: string }).status).toBe("complete");

    const stored = await storedMessages(chatId);
    expect(stored.map((m) => [m.role, m.status])).toEqual([
      ["user", "complete"],
      ["assistant", "complete"],
    ]);
    expect(stored[1]!.id).toBe(start.messageId);
    expect(stored[1]!.parts).toEqual([{ type: "text", text: "You said: Hello, Parley" }]);
    expect(stored[1]!.model).toBe("fake-model");
    expect(stored[1]!.completionTokens).toBe(4);
    expect(stored[1]!.promptTokens).toBeGreaterThan(0);
  });

  it("commits the user's message before the model is called", async () => {
    const chatId = randomUUID();
    app.fake.rules.unshift({ match: "committed first", ttftMs: 400 });
    const pending = sendMessage(user, chatId, "committed first?").then(readSse);
    await waitFor(() => Promise.resolve(app.fake.requests.some((r) => JSON.stringify(r.body).includes("committed first"))));
    const whileModelThinks = await storedMessages(chatId);
    expect(whileModelThinks[0]).toMatchObject({ role: "user", parts: [{ type: "text", text: "committed first?" }] });
    // The answer's own row, if already there, is still empty and "streaming" (checkpointed as it streams).
    expect(whileModelThinks.slice(1).map((m) => [m.role, m.status])).toEqual(whileModelThinks.length > 1 ? [["assistant", "streaming"]] : []);
    await pending;
  });

  it("generates a title in the background without delaying the answer", async () => {
    const chatId = randomUUID();
    app.fake.rules.unshift({ match: "short title", anywhere: true, reply: "Slow Title", ttftMs: 300 });
    const started = Date.now();
    await readSse(await sendMessage(user, chatId, "Tell me about otters"));
    expect(Date.now() - started).toBeLessThan(300);
    const db = await prisma();
    const chat = await waitFor(async () => {
      const row = await db.chat.findUnique({ where: { id: chatId } });
      return row?.title === "Slow Title" ? row : null;
    });
    expect(chat.title).toBe("Slow Title");
    const trace = await waitFor(() => db.requestTrace.findFirst({ where: { chatId, kind: "title" } }));
    expect(trace.source).toBe("background");
  });

  it("keeps generating when the client goes away, and stores the whole answer", async () => {
    const chatId = randomUUID();
    const story = "one two three four five six seven eight nine ten ".repeat(3).trim();
    app.fake.rules.unshift({ match: "long story", reply: story, tokensPerSec: 40 });
    const controller = new AbortController();
    const response = await sendMessage(user, chatId, "tell a long story", { signal: controller.signal });
    const reader = response.body!.getReader();
    let seen = "";
    while (!seen.includes("three")) seen += new TextDecoder().decode((await reader.read()).value);
    controller.abort();
    // A reload or a lost connection must not cost the answer: nobody watches, it still completes.
    const assistant = await waitFor(async () => (await storedMessages(chatId)).find((m) => m.role === "assistant" && m.status === "complete"), 15_000);
    expect((assistant.parts as Array<{ text: string }>)[0]!.text).toBe(story);
    const upstream = app.fake.requests.find((r) => JSON.stringify(r.body).includes("long story"))!;
    expect(upstream.aborted).toBe(false);
    expect(upstream.completed).toBe(true);
  });

  it("ends with a clear error when the first token does not come in time", async () => {
    process.env.LLM_FIRST_TOKEN_TIMEOUT_MS = "300";
    const chatId = randomUUID();
    app.fake.rules.unshift({ match: "sleepy", ttftMs: 3000 });
    const events = await readSse(await sendMessage(user, chatId, "sleepy model"));
    const error = uiChunks(events).find((c) => c.type === "error");
    expect(error?.errorText).toMatch(/did not start answering within/);
    const assistant = (await storedMessages(chatId)).find((m) => m.role === "assistant")!;
    expect(assistant.status).toBe("error");
    expect(assistant.error).toMatch(/did not start answering/);
    await waitFor(async () => app.fake.requests.find((r) => r.aborted && JSON.stringify(r.body).includes("sleepy")));
  });

  it("ends with a clear error and keeps the text when the model goes silent", async () => {
    process.env.LLM_IDLE_TIMEOUT_MS = "300";
    const chatId = randomUUID();
    app.fake.rules.unshift({ match: "stall", reply: "alpha beta gamma delta epsilon", stallAfterTokens: 3 });
    const events = await readSse(await sendMessage(user, chatId, "please stall"));
    expect(streamedText(events)).toBe("alpha beta gamma");
    expect(uiChunks(events).find((c) => c.type === "error")?.errorText).toMatch(/stopped sending/);
    const assistant = (await storedMessages(chatId)).find((m) => m.role === "assistant")!;
    expect(assistant.status).toBe("error");
    expect(assistant.parts).toEqual([{ type: "text", text: "alpha beta gamma" }]);
  });

  it("reports a model server failure as an error event and stores it", async () => {
    const chatId = randomUUID();
    app.fake.rules.unshift({ match: "boom", error: { status: 500, message: "GPU on fire" } });
    const events = await readSse(await sendMessage(user, chatId, "boom"));
    expect(uiChunks(events).find((c) => c.type === "error")?.errorText).toMatch(/500/);
    const assistant = (await storedMessages(chatId)).find((m) => m.role === "assistant")!;
    expect(assistant.status).toBe("error");
  });

  it("says so clearly when the model server cannot be reached", async () => {
    const saved = process.env.LLM_BASE_URL;
    process.env.LLM_BASE_URL = "http://127.0.0.1:9/v1";
    try {
      const events = await readSse(await sendMessage(user, randomUUID(), "anyone there?"));
      expect(uiChunks(events).find((c) => c.type === "error")?.errorText).toMatch(/reach the model server|connection to the model server/i);
    } finally {
      process.env.LLM_BASE_URL = saved;
    }
  });

  it("sends an adaptive max_tokens", async () => {
    await readSse(await sendMessage(user, randomUUID(), "What is 2+2?"));
    await readSse(await sendMessage(user, randomUUID(), "Explain in detail how compilers work"));
    const sent = (text: string) => app.fake.requests.find((r) => JSON.stringify(r.body.messages).includes(text))!.body.max_tokens;
    expect(sent("What is 2+2?")).toBe(96);
    expect(sent("Explain in detail")).toBe(2048);
  });

  it("regenerates the last answer in place", async () => {
    const chatId = randomUUID();
    await readSse(await sendMessage(user, chatId, "pick a colour"));
    const [, first] = await storedMessages(chatId);
    app.fake.rules.unshift({ match: "pick a colour", reply: "Blue." });
    const events = await readSse(
      await user.fetch("/api/chat", { method: "POST", json: { id: chatId, trigger: "regenerate-message", messageId: first!.id } }),
    );
    expect(streamedText(events)).toBe("Blue.");
    const stored = await storedMessages(chatId);
    expect(stored.map((m) => m.role)).toEqual(["user", "assistant"]);
    expect(stored[1]!.parts).toEqual([{ type: "text", text: "Blue." }]);
  });

  it("edits a user message: it and everything after it are replaced", async () => {
    const chatId = randomUUID();
    const firstId = randomUUID();
    await readSse(
      await user.fetch("/api/chat", {
        method: "POST",
        json: { id: chatId, message: { id: firstId, role: "user", parts: [{ type: "text", text: "first draft" }] } },
      }),
    );
    await readSse(await sendMessage(user, chatId, "second question"));
    const events = await readSse(
      await user.fetch("/api/chat", {
        method: "POST",
        json: {
          id: chatId,
          messageId: firstId,
          message: { id: firstId, role: "user", parts: [{ type: "text", text: "better draft" }] },
        },
      }),
    );
    expect(streamedText(events)).toBe("You said: better draft");
    const texts = (await storedMessages(chatId)).map((m) => (m.parts as Array<{ text: string }>)[0]!.text);
    expect(texts).toEqual(["better draft", "You said: better draft"]);
    // The model saw the edited history only.
    const last = app.fake.requests.at(-1)!.body.messages!.map((m) => m.content);
    expect(JSON.stringify(last)).not.toContain("second question");
  });

  it("does not store a re-sent message twice (same client id)", async () => {
    const chatId = randomUUID();
    const message = { id: randomUUID(), role: "user", parts: [{ type: "text", text: "once only" }] };
    await readSse(await user.fetch("/api/chat", { method: "POST", json: { id: chatId, message } }));
    await readSse(await user.fetch("/api/chat", { method: "POST", json: { id: chatId, message, trigger: "regenerate-message" } }));
    const roles = (await storedMessages(chatId)).map((m) => m.role);
    expect(roles).toEqual(["user", "assistant"]);
  });

  it("keeps the prompt within the budget and summarizes what falls out", async () => {
    process.env.CONTEXT_TOKEN_BUDGET = "120";
    try {
      const chatId = randomUUID();
      app.fake.rules.unshift({ match: "Summarize the conversation", anywhere: true, reply: "SUMMARY: user likes ducks" });
      for (const word of ["ducks", "geese", "swans", "herons"]) {
        await readSse(await sendMessage(user, chatId, `Tell me about ${word} ${"and more ".repeat(20)}`));
      }
      const db = await prisma();
      const chat = await waitFor(async () => {
        const row = await db.chat.findUnique({ where: { id: chatId } });
        return row?.summary ? row : null;
      });
      expect(chat.summary).toBe("SUMMARY: user likes ducks");
      expect(chat.summarizedSeq).toBeGreaterThan(0);
      await readSse(await sendMessage(user, chatId, "And egrets?"));
      const body = app.fake.requests.filter((r) => JSON.stringify(r.body).includes("And egrets?")).at(-1)!.body;
      const system = body.messages!.find((m) => m.role === "system")!.content as string;
      expect(system).toContain("SUMMARY: user likes ducks");
      expect(JSON.stringify(body.messages)).not.toContain("Tell me about ducks");
    } finally {
      delete process.env.CONTEXT_TOKEN_BUDGET;
    }
  });

  it("records a trace with the stages of the turn", async () => {
    const chatId = randomUUID();
    app.fake.rules.unshift({ match: "traced", ttftMs: 150, tokensPerSec: 50, reply: "a b c d e f g h i j" });
    await readSse(await sendMessage(user, chatId, "traced turn"));
    const db = await prisma();
    const trace = await waitFor(() =>
      db.requestTrace.findFirst({ where: { chatId, kind: "chat" }, include: { stages: true } }),
    );
    expect(trace.outcome).toBe("ok");
    expect(trace.source).toBe("api");
    expect(trace.userId).toBe(user.id);
    const stage = Object.fromEntries(trace.stages.map((s) => [s.name, s.durationMs]));
    expect(Object.keys(stage).sort()).toEqual(
      ["auth", "generation", "history_load", "model_ttft", "persist", "prompt_build", "save_message"].sort(),
    );
    expect(stage.model_ttft).toBeGreaterThanOrEqual(140);
    expect(stage.model_ttft).toBeLessThan(1500);
    // 10 tokens at 50/s: ~180 ms between the first and the last.
    expect(stage.generation).toBeGreaterThanOrEqual(150);
    expect(trace.completionTokens).toBe(10);
    expect(trace.tokensPerSec).toBeGreaterThan(20);
    expect(trace.totalMs).toBeGreaterThanOrEqual(stage.model_ttft! + stage.generation!);
  });
});
