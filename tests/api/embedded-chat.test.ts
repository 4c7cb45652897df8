import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { prisma } from "../../lib/db/client";
import { readSse, startTestApp, streamedText, uiChunks, type TestApp, type TestUser } from "../helpers/app";
import { cachedTinyLlamaGguf } from "../helpers/tiny-gguf";

/**
 * The whole chat path on the embedded CPU model: a tiny random-weight GGUF the
 * test generates proves loading and streaming through /api/chat (never answer
 * quality: its text is gibberish).
 */
describe("chat on the embedded model", () => {
  let app: TestApp;
  let user: TestUser;

  beforeAll(async () => {
    app = await startTestApp("pglite");
    delete process.env.LLM_BASE_URL;
    process.env.LLM_DOWNLOAD = "0";
    user = await app.user();
  });
  afterAll(async () => {
    delete process.env.LLM_MODEL_PATH;
    delete process.env.LLM_DOWNLOAD;
    await app.close();
  });

  it("streams an answer from a local GGUF and stores it", async () => {
    process.env.LLM_MODEL_PATH = cachedTinyLlamaGguf({ seed: 11 });
    const chatId = randomUUID();
    const events = await readSse(
      await user.fetch("/api/chat", { method: "POST", json: { id: chatId, message: "What is 2+2?" } }),
    );
    const deltas = uiChunks(events).filter((c) => c.type === "text-delta");
    expect(deltas.length).toBeGreaterThan(1);
    const text = streamedText(events);
    expect(text.length).toBeGreaterThan(0);
    const db = await prisma();
    const answer = await db.message.findFirstOrThrow({ where: { chatId, role: "assistant" } });
    expect(answer.status).toBe("complete");
    expect(answer.parts).toEqual([{ type: "text", text }]);
    expect(answer.model).toMatch(/^tiny-llama/);
    // The adaptive limit applies to the embedded model too (a brief question: 96 tokens).
    expect(answer.completionTokens).toBeLessThanOrEqual(96);
  });

  it("without any model, health says why and the chat answers with what to do", async () => {
    process.env.LLM_MODEL_PATH = "/nonexistent/parley-model.gguf";
    const health = await user.fetch("/api/health");
    expect(health.status).toBe(503);
    const body = (await health.json()) as { reasons: string[] };
    expect(body.reasons.join(" ")).toMatch(/LLM_BASE_URL|LLM_MODEL_PATH/);

    const events = await readSse(await user.fetch("/api/chat", { method: "POST", json: { message: "hello?" } }));
    const error = uiChunks(events).find((c) => c.type === "error");
    expect(error?.errorText).toMatch(/LLM_BASE_URL|LLM_MODEL_PATH/);
  });
});
