import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, beforeEach, expect, it } from "vitest";
import type { KnowledgeReport } from "../../lib/chat/knowledge-prompt";
import { readSse, startTestApp, streamedText, uiChunks, type TestApp, type TestUser } from "../helpers/app";
import { describeEachBackend } from "../helpers/db";
import { uploadOk, waitForStatus } from "../helpers/knowledge";

const ask = (user: TestUser, text: string) =>
  user.fetch("/api/chat", {
    method: "POST",
    json: { id: randomUUID(), message: { id: randomUUID(), role: "user", parts: [{ type: "text", text }] } },
  });

describeEachBackend("knowledge base in tool-calling mode (RAG_MODE=tool)", (backend) => {
  let app: TestApp;
  let alice: TestUser;
  let bob: TestUser;

  beforeAll(async () => {
    app = await startTestApp(backend, { RAG_MODE: "tool" }, { ingest: true });
    alice = await app.user();
    bob = await app.user();
    const [doc] = await uploadOk(alice, [
      { name: "lenses.md", bytes: "# Lenses\n\nThe Fresnel lens was invented by Augustin-Jean Fresnel in 1822." },
    ]);
    await waitForStatus(alice, doc!.id);
  });
  afterAll(async () => {
    delete process.env.RAG_MODE;
    await app.close();
  });
  beforeEach(() => {
    app.fake.reset();
    app.fake.rules.push({ match: "short title", anywhere: true, reply: "A title" });
  });

  it("searches when the model calls search_knowledge_base, and cites what the search returned", async () => {
    // First match wins: the tool call while the tool is unanswered, then the answer.
    app.fake.rules.unshift(
      { match: "lens", toolCall: { name: "search_knowledge_base", arguments: { query: "Fresnel lens inventor" } } },
      { match: "lens", reply: "Augustin-Jean Fresnel, in 1822 [1]." },
    );
    const events = await readSse(await ask(alice, "Who made that lens for lighthouses?"));
    expect(streamedText(events)).toBe("Augustin-Jean Fresnel, in 1822 [1].");
    const knowledge = uiChunks(events).find((c) => c.type === "data-knowledge")?.data as KnowledgeReport;
    expect(knowledge.sources[0]).toMatchObject({ n: 1, documentName: "lenses.md", cited: true });

    const [decide, answer] = app.fake.requests.filter((r) => JSON.stringify(r.body).includes("lighthouses"));
    expect(decide!.body.tools?.map((t) => t.function?.name)).toEqual(["search_knowledge_base"]);
    const toolMessage = answer!.body.messages!.find((m) => m.role === "tool");
    expect(JSON.stringify(toolMessage)).toContain("invented by Augustin-Jean Fresnel");
  });

  it("does not search when the model answers directly (small talk)", async () => {
    app.fake.rules.unshift({ match: "Good morning", reply: "Good morning to you too!" });
    const events = await readSse(await ask(alice, "Good morning!"));
    expect(streamedText(events)).toBe("Good morning to you too!");
    expect(uiChunks(events).some((c) => c.type === "data-knowledge")).toBe(false);
    expect(app.fake.requests.filter((r) => JSON.stringify(r.body).includes("Good morning"))).toHaveLength(1);
  });

  it("offers no tool to a user with no documents", async () => {
    await readSse(await ask(bob, "Who made that lens?"));
    const request = app.fake.requests.find((r) => JSON.stringify(r.body).includes("Who made that lens"));
    expect(request!.body.tools).toBeUndefined();
  });
});
