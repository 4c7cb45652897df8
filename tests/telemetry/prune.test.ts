import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, expect, it } from "vitest";
import { createUser } from "../../lib/auth/users";
import { sql } from "../../lib/db/client";
import { pruneTraces } from "../../lib/telemetry/prune";
import type { SavedTrace } from "../../lib/telemetry/trace";
import { flushTraces, traceWriter } from "../../lib/telemetry/trace-writer";
import { describeEachBackend, openTestDatabase, type TestDatabase } from "../helpers/db";

const DAY = 24 * 60 * 60 * 1000;
const NOW = new Date("2026-11-30T12:30:00Z");

function saved(startedAt: Date, model = "m"): SavedTrace {
  return {
    id: randomUUID(),
    kind: "chat",
    source: "api",
    outcome: "ok",
    startedAt,
    totalMs: 120,
    retrieval: true,
    bottleneck: "lexical_search",
    model,
    stages: [
      { name: "lexical_search", startMs: 1, durationMs: 50 },
      { name: "generation", startMs: 60, durationMs: 60 },
    ],
  };
}

describeEachBackend("pruning old traces", (backend) => {
  let test: TestDatabase;
  beforeAll(async () => {
    test = await openTestDatabase(backend);
  });
  afterAll(() => test.close());

  it("deletes traces, their stages, browser timings and rollups older than the cutoff, in batches, and keeps the rest", async () => {
    const user = await createUser({ email: `prune-${backend}@example.com`, password: "long enough" });
    // 30-day retention: the cutoff is 2026-10-31T12:30Z.
    const old = [40, 35, 31, 30.1, 30.05].map((days, i) => saved(new Date(NOW.getTime() - days * DAY), `old-${i}`));
    // 12:15:36 on the cutoff day: the trace goes, but its hour (12:00-13:00) is not all past, so its rollup stays.
    const boundary = saved(new Date(NOW.getTime() - 30.01 * DAY), "boundary");
    old.push(boundary);
    const recent = [29.9, 1, 0].map((days) => saved(new Date(NOW.getTime() - days * DAY)));
    for (const trace of [...old, ...recent]) traceWriter().add(trace);
    await flushTraces();

    const db = await sql();
    const timing = async (traceId: string, reportedAt: Date) =>
      db.query(`INSERT INTO "ClientTiming" ("traceId", "userId", "connectMs", "reportedAt") VALUES ($1, $2, 5, $3::timestamp)`, [
        traceId,
        user.id,
        reportedAt.toISOString(),
      ]);
    for (const trace of old) await timing(trace.id, trace.startedAt);
    for (const trace of recent) await timing(trace.id, trace.startedAt);

    const count = async (table: string) => (await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM "${table}"`))[0]!.n;
    expect(await count("RequestTrace")).toBe(9);
    expect(await count("TraceStage")).toBe(18);
    const rollupsBefore = await count("TraceRollup");
    const stageRollupsBefore = await count("TraceStageRollup");

    const result = await pruneTraces(30, { now: NOW, batchSize: 2 });

    const ids = async () => (await db.query<{ id: string }>(`SELECT id FROM "RequestTrace"`)).map((r) => r.id).sort();
    expect(await ids()).toEqual(recent.map((t) => t.id).sort());
    expect(await count("TraceStage")).toBe(6);
    expect((await db.query<{ traceId: string }>(`SELECT "traceId" FROM "ClientTiming"`)).map((r) => r.traceId).sort()).toEqual(
      recent.map((t) => t.id).sort(),
    );
    // Rollups: a row goes once all of its bucket is past the cutoff, five-minute rows once
    // past FINE_ROLLUP_DAYS (7). Each model's traces are on their own rows.
    const rows = await db.query<{ grain: number; start: string; model: string }>(
      `SELECT grain, to_char(start, 'YYYY-MM-DD"T"HH24:MI') AS start, model FROM "TraceRollup" ORDER BY grain, start, model`,
    );
    const left = (grain: number) => rows.filter((row) => row.grain === grain).map((row) => `${row.start} ${row.model}`);
    expect(left(300)).toEqual(["2026-11-29T12:30 m", "2026-11-30T12:30 m"]);
    // The boundary trace's hour (12:00-13:00) is not all past, so its rollup stays.
    expect(left(3600)).toEqual(["2026-10-31T12:00 boundary", "2026-10-31T14:00 m", "2026-11-29T12:00 m", "2026-11-30T12:00 m"]);
    expect(left(21600)).toEqual(["2026-10-31T12:00 boundary", "2026-10-31T12:00 m", "2026-11-29T12:00 m", "2026-11-30T12:00 m"]);
    // Nor is the cutoff's day: it still counts the traces of 30.1 and 30.05 days ago.
    expect(left(86400)).toEqual([
      "2026-10-31T00:00 boundary",
      "2026-10-31T00:00 m",
      "2026-10-31T00:00 old-3",
      "2026-10-31T00:00 old-4",
      "2026-11-29T00:00 m",
      "2026-11-30T00:00 m",
    ]);
    expect(result).toEqual({
      traces: 6,
      clientTimings: 6,
      rollups: rollupsBefore - (await count("TraceRollup")),
      stageRollups: stageRollupsBefore - (await count("TraceStageRollup")),
    });
    // Three old traces' four grains, two more's three, and two five-minute rows; each rollup row has two stage rows.
    expect(result.rollups).toBe(20);
    expect(result.stageRollups).toBe(40);
  });

  it("keeps everything when retention is 0", async () => {
    const db = await sql();
    const before = (await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM "RequestTrace"`))[0]!.n;
    traceWriter().add(saved(new Date(NOW.getTime() - 400 * DAY)));
    await flushTraces();
    expect(await pruneTraces(0, { now: NOW })).toEqual({ traces: 0, clientTimings: 0, rollups: 0, stageRollups: 0 });
    expect((await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM "RequestTrace"`))[0]!.n).toBe(before + 1);
  });
});

