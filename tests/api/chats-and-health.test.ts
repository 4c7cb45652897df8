import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { prisma } from "../../lib/db/client";
import { appendMessage } from "../../lib/db/queries/messages";
import { describeEachBackend } from "../helpers/db";
import { readSse, startTestApp, type TestApp, type TestUser } from "../helpers/app";

describeEachBackend("chat list, history and health", (backend) => {
  let app: TestApp;
  let user: TestUser;

  beforeAll(async () => {
    app = await startTestApp(backend);
    user = await app.user();
  });
  afterAll(() => app.close());

  const startChat = async (text: string) => {
    const id = randomUUID();
    await readSse(await user.fetch("/api/chat", { method: "POST", json: { id, message: text } }));
    return id;
  };

  it("lists chats newest first, searches titles, renames and deletes", async () => {
    app.fake.rules.push({ match: "short title", anywhere: true, reply: "Placeholder" });
    const first = await startChat("Planning a trip to Lisbon");
    const second = await startChat("Sourdough starter questions");
    await user.fetch(`/api/chats/${first}`, { method: "PATCH", json: { title: "Lisbon trip" } });
    await user.fetch(`/api/chats/${second}`, { method: "PATCH", json: { title: "Bread" } });
    const list = async (q = "") =>
      ((await (await user.fetch(`/api/chats?q=${encodeURIComponent(q)}`)).json()) as { chats: Array<{ id: string; title: string }> }).chats;
    expect((await list()).map((c) => c.title).slice(0, 2)).toEqual(["Bread", "Lisbon trip"]);
    expect((await list("lisBON")).map((c) => c.id)).toEqual([first]);
    expect(await list("nothing like this")).toEqual([]);
    expect((await user.fetch(`/api/chats/${second}`, { method: "DELETE" })).status).toBe(204);
    expect((await list()).map((c) => c.id)).not.toContain(second);
    const db = await prisma();
    expect(await db.message.count({ where: { chatId: second } })).toBe(0);
  });

  it("never lets a generated title overwrite the user's own", async () => {
    app.fake.rules.unshift({ match: "short title", anywhere: true, reply: "Generated", ttftMs: 200 });
    const id = randomUUID();
    await readSse(await user.fetch("/api/chat", { method: "POST", json: { id, message: "rename race" } }));
    await user.fetch(`/api/chats/${id}`, { method: "PATCH", json: { title: "Mine" } });
    await new Promise((resolve) => setTimeout(resolve, 400));
    const chat = (await (await user.fetch(`/api/chats/${id}`)).json()) as { chat: { title: string } };
    expect(chat.chat.title).toBe("Mine");
  });

  it("pages through a 1,000-message chat from the newest", async () => {
    const id = await startChat("long chat");
    for (let i = 0; i < 998; i++) {
      await appendMessage(id, { role: i % 2 ? "assistant" : "user", parts: [{ type: "text", text: `message ${i}` }] });
    }
    const started = performance.now();
    const page = (await (await user.fetch(`/api/chats/${id}/messages?limit=50`)).json()) as {
      messages: Array<{ parts: Array<{ text: string }>; metadata: { seq: number } }>;
      hasMore: boolean;
    };
    console.log(`[tests] newest page of a 1,000-message chat on ${backend}: ${(performance.now() - started).toFixed(1)} ms`);
    expect(page.messages).toHaveLength(50);
    expect(page.hasMore).toBe(true);
    expect(page.messages.at(-1)!.parts[0]!.text).toBe("message 997");
    const seqs = page.messages.map((m) => m.metadata.seq);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    const older = (await (await user.fetch(`/api/chats/${id}/messages?before=${seqs[0]}&limit=50`)).json()) as {
      messages: Array<{ metadata: { seq: number } }>;
    };
    expect(older.messages.at(-1)!.metadata.seq).toBe(seqs[0]! - 1);
    const oldest = (await (await user.fetch(`/api/chats/${id}/messages?before=3&limit=50`)).json()) as {
      messages: unknown[];
      hasMore: boolean;
    };
    expect(oldest.messages).toHaveLength(2);
    expect(oldest.hasMore).toBe(false);
  });

  it("reports health: 200 when the model server answers, 503 with the reason when not", async () => {
    const ok = await user.fetch("/api/health");
    expect(ok.status).toBe(200);
    const healthy = (await ok.json()) as { database: { ok: boolean; kind: string }; model: { state: string } };
    expect(healthy.database).toMatchObject({ ok: true, kind: backend });
    expect(healthy.model.state).toBe("ready");

    const saved = process.env.LLM_BASE_URL;
    process.env.LLM_BASE_URL = "http://127.0.0.1:1/v1";
    try {
      const down = await user.fetch("/api/health");
      expect(down.status).toBe(503);
      const body = (await down.json()) as { reasons: string[]; model: { state: string } };
      expect(body.model.state).toBe("unavailable");
      expect(body.reasons.join(" ")).toMatch(/did not answer.*LLM_BASE_URL/);

      // Anyone else learns that the model is down, not where it lives or what failed.
      const other = await app.user();
      for (const anonymous of [await fetch(`${app.url}/api/health`), await other.fetch("/api/health")]) {
        expect(anonymous.status).toBe(503);
        const text = await anonymous.text();
        expect(JSON.parse(text)).toEqual({ status: "unavailable", reasons: ["Model: not available"] });
        expect(text).not.toMatch(/127\.0\.0\.1|LLM_BASE_URL|http/);
      }
    } finally {
      process.env.LLM_BASE_URL = saved;
    }
  });
});
