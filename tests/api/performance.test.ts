import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sql } from "../../lib/db/client";
import { flushTraces } from "../../lib/telemetry/trace-writer";
import type { PerformanceReport } from "../../lib/telemetry/performance-report";
import { describeEachBackend } from "../helpers/db";
import { readSse, startTestApp, uiChunks, type TestApp, type TestUser } from "../helpers/app";

const TTFT_MS = 400;
const TOKENS_PER_SEC = 40;
// 20 tokens in the fake's tokenizer (a word each).
const REPLY = "Latency is measured stage by stage so that an administrator can see where the seconds of every answer go today";

async function chat(user: TestUser, text: string) {
  const response = await user.fetch("/api/chat", {
    method: "POST",
    json: { id: randomUUID(), message: { id: randomUUID(), role: "user", parts: [{ type: "text", text }] } },
  });
  expect(response.status).toBe(200);
  const chunks = uiChunks(await readSse(response));
  return { requestId: response.headers.get("x-request-id")!, messageId: chunks.find((c) => c.type === "start")!.messageId as string };
}

async function report(user: TestUser, query = ""): Promise<PerformanceReport> {
  const response = await user.fetch(`/api/performance${query}`);
  expect(response.status).toBe(200);
  return response.json();
}

describeEachBackend("request traces and the performance API", (backend) => {
  let app: TestApp;
  let admin: TestUser;
  let member: TestUser;
  let answers: Array<{ requestId: string; messageId: string }>;

  beforeAll(async () => {
    app = await startTestApp(backend);
    admin = await app.user(); // the first account is the admin
    member = await app.user();
    app.fake.defaults.ttftMs = TTFT_MS;
    app.fake.defaults.tokensPerSec = TOKENS_PER_SEC;
    app.fake.rules.push({ match: "short title", anywhere: true, reply: "Latency chat", ttftMs: 0, tokensPerSec: 0 });
    app.fake.rules.push({ match: "where do the seconds go", reply: REPLY });
    answers = [];
    for (let i = 0; i < 3; i++) answers.push(await chat(member, `where do the seconds go, take ${i}`));
    const v1 = await member.fetch("/v1/chat/completions", {
      method: "POST",
      json: { model: "fake-model", messages: [{ role: "user", content: "where do the seconds go via v1" }] },
    });
    expect(v1.status).toBe(200);
    await v1.json();
    // Titles are generated in the background after the first answer of each chat.
    await new Promise((resolve) => setTimeout(resolve, 300));
    await flushTraces();
  }, 60_000);
  afterAll(() => app.close());

  it("stores each answer's stages with the model's time to first token and speed", async () => {
    const db = await sql();
    const traces = await db.query<{ id: string; source: string; ttftMs: number; tokensPerSec: number; completionTokens: number; bottleneck: string; outcome: string }>(
      `SELECT id, source, "ttftMs", "tokensPerSec", "completionTokens", bottleneck, outcome FROM "RequestTrace" WHERE kind = 'chat' ORDER BY "startedAt"`,
    );
    expect(traces.map((t) => t.source)).toEqual(["api", "api", "api", "v1"]);
    for (const trace of traces) {
      expect(trace.outcome).toBe("ok");
      // From the request's arrival: authentication, history and prompt come first.
      expect(trace.ttftMs).toBeGreaterThanOrEqual(TTFT_MS);
      expect(trace.ttftMs).toBeLessThan(TTFT_MS + 1500);
      expect(trace.completionTokens).toBe(20);
      expect(trace.tokensPerSec).toBeGreaterThan(TOKENS_PER_SEC * 0.7);
      expect(trace.tokensPerSec).toBeLessThan(TOKENS_PER_SEC * 1.3);
      expect(trace.bottleneck).toBe("model_ttft");
      const stages = new Map(
        (await db.query<{ name: string; durationMs: number }>(`SELECT name, "durationMs" FROM "TraceStage" WHERE "traceId" = $1`, [trace.id])).map(
          (s) => [s.name, s.durationMs],
        ),
      );
      expect(stages.get("model_ttft")).toBeGreaterThanOrEqual(TTFT_MS - 5);
      expect(stages.get("model_ttft")).toBeLessThan(TTFT_MS + 300);
      // 19 gaps between 20 tokens at 40 tokens/s: about half a second.
      expect(stages.get("generation")).toBeGreaterThan(350);
      expect(stages.get("generation")).toBeLessThan(1200);
      for (const name of ["auth", "history_load", "prompt_build"]) expect(stages.has(name)).toBe(true);
    }
    expect(answers.every((a) => traces.some((t) => t.id === a.requestId))).toBe(true);
  });

  it("the API gives admins the overview, the bottleneck and background calls apart", async () => {
    const stats = await report(admin);
    expect(stats.source).toBe("rollups");
    expect(stats.overview.requests).toBe(4);
    expect(stats.overview.successRate).toBe(1);
    expect(stats.overview.timeToFirstToken.p50Ms).toBeGreaterThan(TTFT_MS * 0.95);
    expect(stats.overview.timeToFirstToken.p50Ms).toBeLessThan((TTFT_MS + 1500) * 1.05);
    expect(stats.overview.endToEnd.p95Ms).toBeGreaterThan(stats.overview.timeToFirstToken.p50Ms!);
    expect(stats.overview.tokensPerSec).toBeGreaterThan(TOKENS_PER_SEC * 0.7);
    expect(stats.overview.bottleneck).toMatchObject({ name: "model_ttft", label: "Model queue + first token", requests: 4, share: 1 });
    const ttftStage = stats.stages.find((s) => s.name === "model_ttft")!;
    expect(ttftStage.avgMs).toBeGreaterThanOrEqual(TTFT_MS - 5);
    expect(stats.stages.map((s) => s.name).indexOf("auth")).toBeLessThan(stats.stages.map((s) => s.name).indexOf("generation"));
    expect(stats.trend.reduce((n, p) => n + p.requests, 0)).toBe(4);
    const title = stats.kinds.find((k) => k.kind === "title");
    expect(title?.background).toBe(true);
    expect(title?.requests).toBeGreaterThanOrEqual(1);
    expect(stats.requests).toHaveLength(4);
    expect(stats.requests[0]!.stages.map((s) => s.name)).toContain("model_ttft");

    // The same numbers read from the traces themselves (a short range), and per user.
    const recent = await report(admin, "?range=1h");
    expect(recent.source).toBe("traces");
    expect(recent.overview.requests).toBe(4);
    expect(recent.overview.bottleneck?.name).toBe("model_ttft");
    expect((await report(admin, `?user=${member.id}&range=30d`)).overview.requests).toBe(4);
    expect((await report(admin, `?user=${admin.id}&range=30d`)).overview.requests).toBe(0);
    expect((await report(admin, "?retrieval=with")).overview.requests).toBe(0);
    expect((await report(admin, "?retrieval=without&model=fake-model")).overview.requests).toBe(4);
    expect((await report(admin, "?model=other-model")).overview.requests).toBe(0);
    expect((await report(admin, "?kind=title")).overview.requests).toBeGreaterThanOrEqual(1);

    // One chat session: its own requests, stages and bottleneck.
    const chatId = stats.requests.find((r) => r.id === answers[1]!.requestId)!.chatId!;
    const session = await report(admin, `?chat=${chatId}`);
    expect(session.source).toBe("traces");
    expect(session.requests.map((r) => r.id)).toEqual([answers[1]!.requestId]);
    expect(session.overview.requests).toBe(1);
    expect(session.overview.bottleneck?.name).toBe("model_ttft");
  });

  it("refuses other users (403) and anonymous callers (401), and says what is wrong with bad filters", async () => {
    expect((await member.fetch("/api/performance")).status).toBe(403);
    expect((await fetch(`${app.url}/api/performance`)).status).toBe(401);
    for (const [query, message] of [
      ["?range=2d", "range must be one of"],
      ["?from=2026-11-01T00:00:00Z", "Give both from and to"],
      ["?from=2026-11-02T00:00:00Z&to=2026-11-01T00:00:00Z", "from must be before to"],
      ["?user=nobody", "user must be a user id"],
      ["?kind=everything", "kind must be one of"],
    ]) {
      const response = await admin.fetch(`/api/performance${query}`);
      expect(response.status).toBe(400);
      expect(JSON.stringify(await response.json())).toContain(message);
    }
  });

  it("stores the browser's timings with the request and shows them only to their user", async () => {
    const [first] = answers;
    const timing = { requestId: first!.requestId, connectMs: 12.5, firstTokenOnScreenMs: 431 };
    // Someone else files a report under this request's id first: it neither counts nor blocks the owner's own.
    expect((await admin.fetch("/api/performance/client-timing", { method: "POST", json: { ...timing, connectMs: 9999 } })).status).toBe(204);
    expect((await member.fetch("/api/performance/client-timing", { method: "POST", json: timing })).status).toBe(204);
    await admin.fetch("/api/performance/client-timing", { method: "POST", json: { ...timing, firstTokenOnScreenMs: 1 } });

    const mine = await member.fetch(`/api/messages/${first!.messageId}/latency`);
    expect(mine.status).toBe(200);
    const latency = await mine.json();
    expect(latency).toMatchObject({ id: first!.requestId, connectMs: 12.5, firstTokenOnScreenMs: 431, bottleneck: "model_ttft" });
    expect(latency.stages.map((s: { name: string }) => s.name)).toContain("generation");
    expect((await admin.fetch(`/api/messages/${first!.messageId}/latency`)).status).toBe(404);

    const bad = await member.fetch("/api/performance/client-timing", { method: "POST", json: { requestId: first!.requestId } });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(await bad.json())).toContain("Report connectMs");
  });
});
