import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createUser } from "../../lib/auth/users";
import { statisticsPlan, type PerformanceFilter } from "../../lib/db/queries/performance";
import { performanceReport } from "../../lib/telemetry/performance-report";
import type { SavedTrace } from "../../lib/telemetry/trace";
import { flushTraces, traceWriter } from "../../lib/telemetry/trace-writer";
import { random as seeded } from "../helpers/deterministic";
import { describeEachBackend, openTestDatabase, type TestDatabase } from "../helpers/db";

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

describe("which rollup grain a dashboard view reads", () => {
  const now = new Date("2026-11-21T12:00:00Z");
  const plan = (spanMs: number, extra: Partial<PerformanceFilter> = {}) =>
    statisticsPlan({ from: new Date(now.getTime() - spanMs), to: now, kind: "chat", ...extra }, now);

  it("reads the coarsest grain that still draws a trend of at least 24 points, at most 72", () => {
    expect(plan(HOUR)).toEqual({ source: "traces", stepMs: MINUTE });
    expect(plan(2 * HOUR)).toEqual({ source: "rollups", grainMs: 5 * MINUTE, stepMs: 5 * MINUTE });
    expect(plan(6 * HOUR)).toEqual({ source: "rollups", grainMs: 5 * MINUTE, stepMs: 5 * MINUTE });
    expect(plan(DAY)).toEqual({ source: "rollups", grainMs: HOUR, stepMs: HOUR });
    expect(plan(7 * DAY)).toEqual({ source: "rollups", grainMs: 6 * HOUR, stepMs: 6 * HOUR });
    expect(plan(30 * DAY)).toEqual({ source: "rollups", grainMs: DAY, stepMs: DAY });
    expect(plan(366 * DAY)).toEqual({ source: "rollups", grainMs: DAY, stepMs: 6 * DAY });
  });

  it("reads per-user daily rollups for a week or more, the traces for shorter per-user ranges and for a chat", () => {
    const userId = randomUUID();
    expect(plan(30 * DAY, { userId })).toEqual({ source: "rollups", grainMs: DAY, stepMs: DAY });
    expect(plan(7 * DAY, { userId })).toEqual({ source: "rollups", grainMs: DAY, stepMs: DAY });
    expect(plan(DAY, { userId }).source).toBe("traces");
    expect(plan(30 * DAY, { chatId: randomUUID() }).source).toBe("traces");
  });

  it("uses five-minute rollups only while they are kept (7 days)", () => {
    const old = new Date(now.getTime() - 20 * DAY);
    const window = statisticsPlan({ from: old, to: new Date(old.getTime() + 6 * HOUR), kind: "chat" }, now);
    expect(window).toEqual({ source: "traces", stepMs: 5 * MINUTE });
  });
});

describeEachBackend("rollups agree with the traces they sum", (backend) => {
  let test: TestDatabase;
  const now = Date.now();
  const traces: SavedTrace[] = [];
  const users: string[] = [];

  beforeAll(async () => {
    test = await openTestDatabase(backend);
    for (const name of ["light", "heavy"]) users.push((await createUser({ email: `rollups-${name}-${backend}@example.com`, password: "long enough" })).id);
    const random = seeded(7);
    // 600 requests over 30 days, denser in the last day; two users (one makes 3 of 4), two models, some with retrieval.
    for (let i = 0; i < 600; i++) {
      const ago = i < 200 ? random() * DAY : random() * 30 * DAY;
      const totalMs = 200 + random() * 4000;
      const ttftMs = totalMs * (0.2 + random() * 0.5);
      const retrieval = random() < 0.4;
      traces.push({
        id: randomUUID(),
        kind: random() < 0.9 ? "chat" : "title",
        source: "ui",
        outcome: random() < 0.95 ? "ok" : "error",
        startedAt: new Date(now - ago),
        totalMs,
        ttftMs,
        tokensPerSec: 20 + random() * 30,
        retrieval,
        model: random() < 0.5 ? "model-a" : "model-b",
        userId: users[random() < 0.75 ? 1 : 0],
        bottleneck: "model_ttft",
        stages: [
          ...(retrieval ? [{ name: "lexical_search", startMs: 1, durationMs: 5 + random() * 20 }] : []),
          { name: "model_ttft", startMs: 30, durationMs: ttftMs - 30 },
          { name: "generation", startMs: ttftMs, durationMs: totalMs - ttftMs },
        ],
      });
    }
    for (const trace of traces) traceWriter().add(trace);
    await flushTraces();
  }, 60_000);
  afterAll(() => test.close());

  const filters: Array<[string, number, (users: string[]) => Partial<PerformanceFilter>]> = [
    ["everyone, 30 days", 30 * DAY, () => ({})],
    ["everyone, 7 days, one model", 7 * DAY, () => ({ model: "model-a" })],
    ["everyone, 24 hours, with retrieval", DAY, () => ({ retrieval: true })],
    ["everyone, 6 hours", 6 * HOUR, () => ({})],
    ["the heavy user, 30 days", 30 * DAY, (u) => ({ userId: u[1] })],
    ["the light user, 7 days, without retrieval", 7 * DAY, (u) => ({ userId: u[0], retrieval: false })],
  ];

  it.each(filters)("%s: counts, means, stage averages, percentiles and the newest requests match the traces", async (_, span, extra) => {
    const filter: PerformanceFilter = { from: new Date(now - span), to: new Date(now + 1), kind: "chat", ...extra(users) };
    const report = await performanceReport(filter);
    expect(report.source).toBe("rollups");
    // The first bucket counts whole: the rollups cover from the start of the bucket holding `from`.
    const grain = report.grainMs!;
    const coveredFrom = Math.floor(filter.from.getTime() / grain) * grain;
    const matching = traces.filter(
      (t) =>
        t.kind === "chat" &&
        t.startedAt.getTime() >= coveredFrom &&
        (filter.model === undefined || t.model === filter.model) &&
        (filter.retrieval === undefined || t.retrieval === filter.retrieval) &&
        (filter.userId === undefined || t.userId === filter.userId),
    );
    expect(matching.length).toBeGreaterThan(10);
    expect(report.overview.requests).toBe(matching.length);
    expect(report.trend.reduce((n, point) => n + point.requests, 0)).toBe(matching.length);
    const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);
    expect(report.overview.successRate).toBeCloseTo(matching.filter((t) => t.outcome === "ok").length / matching.length, 9);
    expect(report.overview.endToEnd.avgMs).toBeCloseTo(sum(matching.map((t) => t.totalMs)) / matching.length, 6);
    expect(report.overview.tokensPerSec).toBeCloseTo(sum(matching.map((t) => t.tokensPerSec!)) / matching.length, 6);
    const lexical = matching.flatMap((t) => t.stages.filter((s) => s.name === "lexical_search"));
    const lexicalReport = report.stages.find((s) => s.name === "lexical_search");
    expect(lexicalReport?.requests ?? 0).toBe(lexical.length);
    if (lexical.length > 0) expect(lexicalReport!.avgMs).toBeCloseTo(sum(lexical.map((s) => s.durationMs)) / lexical.length, 6);
    expect(report.overview.bottleneck).toMatchObject({ name: "model_ttft", requests: matching.length });
    // The newest 50 requests in the range itself (the first bucket's earlier traces are not listed).
    const newest = matching
      .filter((t) => t.startedAt >= filter.from)
      .sort((a, b) => b.startedAt.getTime() - a.startedAt.getTime())
      .slice(0, 50);
    expect(report.requests.map((r) => r.id)).toEqual(newest.map((t) => t.id));
    // Percentiles from 10 % histogram bins: within 10 % of the exact nearest-rank value.
    const sorted = matching.map((t) => t.totalMs).sort((a, b) => a - b);
    for (const [q, value] of [
      [0.5, report.overview.endToEnd.p50Ms],
      [0.95, report.overview.endToEnd.p95Ms],
    ] as const) {
      const exact = sorted[Math.ceil(q * sorted.length) - 1]!;
      expect(value).toBeGreaterThan(exact / 1.1);
      expect(value).toBeLessThan(exact * 1.1);
    }
  });
});
