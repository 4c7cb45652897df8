import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { describeEachBackend } from "../helpers/db";
import { readSse, startTestApp, type TestApp, type TestUser } from "../helpers/app";

async function expectError(response: Response, status: number, message: RegExp) {
  expect(response.status).toBe(status);
  const body = (await response.json()) as { error: { code: string; message: string } };
  expect(body.error.message).toMatch(message);
  return body;
}

describeEachBackend("bad input and other users' data", (backend) => {
  let app: TestApp;
  let alice: TestUser;
  let bob: TestUser;
  let aliceChat: string;

  beforeAll(async () => {
    app = await startTestApp(backend);
    alice = await app.user();
    bob = await app.user();
    aliceChat = randomUUID();
    await readSse(await alice.fetch("/api/chat", { method: "POST", json: { id: aliceChat, message: "Alice's secret plan" } }));
  });
  afterAll(() => app.close());

  describe("POST /api/chat", () => {
    it("rejects malformed JSON", async () => {
      await expectError(
        await alice.fetch("/api/chat", { method: "POST", body: "{not json", headers: { "content-type": "application/json" } }),
        400,
        /not valid JSON/,
      );
    });

    it("rejects a body that is not JSON", async () => {
      await expectError(
        await alice.fetch("/api/chat", { method: "POST", body: "hello", headers: { "content-type": "text/plain" } }),
        415,
        /application\/json/,
      );
    });

    it("rejects a missing message", async () => {
      await expectError(await alice.fetch("/api/chat", { method: "POST", json: { id: randomUUID() } }), 400, /message is required/);
    });

    it("rejects wrong types and says which field", async () => {
      const body = await expectError(
        await alice.fetch("/api/chat", { method: "POST", json: { id: 42, message: "hi" } }),
        400,
        /id/,
      );
      expect(body.error.code).toBe("bad_request");
      await expectError(
        await alice.fetch("/api/chat", { method: "POST", json: { message: { id: "m1", role: "assistant", parts: [] } } }),
        400,
        /message/,
      );
      await expectError(
        await alice.fetch("/api/chat", { method: "POST", json: { message: "hi", trigger: "explode" } }),
        400,
        /trigger/,
      );
    });

    it("rejects an empty or over-long message", async () => {
      await expectError(await alice.fetch("/api/chat", { method: "POST", json: { message: "   " } }), 400, /empty/);
      process.env.MAX_MESSAGE_CHARS = "100";
      try {
        await expectError(
          await alice.fetch("/api/chat", { method: "POST", json: { message: "x".repeat(101) } }),
          400,
          /101 characters long; the limit is 100/,
        );
      } finally {
        delete process.env.MAX_MESSAGE_CHARS;
      }
    });

    it("rejects a request body over the size cap", async () => {
      await expectError(
        await alice.fetch("/api/chat", { method: "POST", json: { message: "x".repeat(1_100_000) } }),
        413,
        /larger than/,
      );
    });

    it("answers another user's chat id with 404 and never touches it", async () => {
      await expectError(
        await bob.fetch("/api/chat", { method: "POST", json: { id: aliceChat, message: "let me in" } }),
        404,
        /Chat not found/,
      );
      const page = (await (await alice.fetch(`/api/chats/${aliceChat}/messages`)).json()) as { messages: unknown[] };
      expect(page.messages).toHaveLength(2);
      expect(app.fake.requests.some((r) => JSON.stringify(r.body).includes("let me in"))).toBe(false);
    });

    it("refuses to regenerate or edit what does not exist", async () => {
      await expectError(
        await alice.fetch("/api/chat", { method: "POST", json: { id: aliceChat, trigger: "regenerate-message", messageId: "nope" } }),
        404,
        /Message not found/,
      );
      const unknownChat = randomUUID();
      await expectError(
        await alice.fetch("/api/chat", { method: "POST", json: { id: unknownChat, trigger: "regenerate-message" } }),
        400,
        /does not end with a user message/,
      );
      // Nothing was created on the way: no empty chat appears in the list.
      await expectError(await alice.fetch(`/api/chats/${unknownChat}`), 404, /Chat not found/);
    });
  });

  describe("chat routes", () => {
    it("404s an unknown or foreign chat on every verb", async () => {
      for (const user of [alice, bob]) {
        const id = user === alice ? randomUUID() : aliceChat;
        await expectError(await user.fetch(`/api/chats/${id}`), 404, /Chat not found/);
        await expectError(await user.fetch(`/api/chats/${id}/messages`), 404, /Chat not found/);
        await expectError(await user.fetch(`/api/chats/${id}`, { method: "PATCH", json: { title: "mine now" } }), 404, /Chat not found/);
        await expectError(await user.fetch(`/api/chats/${id}`, { method: "DELETE" }), 404, /Chat not found/);
      }
      const chat = (await (await alice.fetch(`/api/chats/${aliceChat}`)).json()) as { chat: { title: string } };
      expect(chat.chat.title).not.toBe("mine now");
    });

    it("400s a chat id that is not a UUID", async () => {
      await expectError(await alice.fetch("/api/chats/not-a-uuid"), 400, /UUID/);
    });

    it("validates rename and paging input", async () => {
      await expectError(await alice.fetch(`/api/chats/${aliceChat}`, { method: "PATCH", json: { title: "" } }), 400, /title/);
      await expectError(await alice.fetch(`/api/chats/${aliceChat}`, { method: "PATCH", json: {} }), 400, /title/);
      await expectError(await alice.fetch(`/api/chats/${aliceChat}/messages?limit=abc`), 400, /limit/);
      await expectError(await alice.fetch(`/api/chats/${aliceChat}/messages?before=-3`), 400, /before/);
    });

    it("lists only the user's own chats", async () => {
      const list = (await (await bob.fetch("/api/chats")).json()) as { chats: Array<{ id: string }> };
      expect(list.chats.map((c) => c.id)).not.toContain(aliceChat);
    });
  });

  describe("authentication", () => {
    it("401s without credentials and with a bad or revoked key", async () => {
      for (const headers of [{}, { authorization: "Bearer pk_nope" }, { authorization: "Basic abc" }] as Array<Record<string, string>>) {
        const response = await fetch(`${app.url}/api/chats`, { headers });
        expect(response.status).toBe(401);
      }
      const created = (await (await alice.fetch("/api/keys", { method: "POST", json: { name: "temp" } })).json()) as {
        key: string;
        apiKey: { id: string };
      };
      expect((await fetch(`${app.url}/api/chats`, { headers: { authorization: `Bearer ${created.key}` } })).status).toBe(200);
      expect((await alice.fetch(`/api/keys/${created.apiKey.id}`, { method: "DELETE" })).status).toBe(204);
      await expectError(await fetch(`${app.url}/api/chats`, { headers: { authorization: `Bearer ${created.key}` } }), 401, /revoked/);
    });

    it("does not let a user revoke another user's key", async () => {
      const created = (await (await alice.fetch("/api/keys", { method: "POST", json: { name: "alice" } })).json()) as {
        apiKey: { id: string };
      };
      await expectError(await bob.fetch(`/api/keys/${created.apiKey.id}`, { method: "DELETE" }), 404, /API key not found/);
    });

    it("validates key names", async () => {
      await expectError(await alice.fetch("/api/keys", { method: "POST", json: { name: "" } }), 400, /name/);
    });
  });

  describe("sign-up", () => {
    const signUp = (json: unknown) =>
      fetch(`${app.url}/api/sign-up`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(json) });

    it("validates email and password", async () => {
      await expectError(await signUp({ email: "nope", password: "long enough" }), 400, /valid email/);
      await expectError(await signUp({ email: "a@b.co", password: "short" }), 400, /at least 8/);
      await expectError(await signUp({}), 400, /email/);
    });

    it("refuses a second account with the same email, in any case", async () => {
      expect((await signUp({ email: "Carol@Example.com", password: "long enough" })).status).toBe(201);
      await expectError(await signUp({ email: "carol@example.COM", password: "long enough" }), 409, /already exists/);
    });

    it("can be closed by the operator", async () => {
      process.env.OPEN_SIGNUP = "0";
      try {
        await expectError(await signUp({ email: "dave@example.com", password: "long enough" }), 403, /closed/);
      } finally {
        delete process.env.OPEN_SIGNUP;
      }
    });
  });
});
