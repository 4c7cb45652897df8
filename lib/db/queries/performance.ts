import { sql } from "../client";
import type { StageTotals } from "../../telemetry/statistics";

/** What the dashboard looks at. Time bounds are inclusive-exclusive. */
export interface PerformanceFilter {
  from: Date;
  to: Date;
  kind: string;
  model?: string;
  userId?: string;
  retrieval?: boolean;
  /** One chat: the session view. */
  chatId?: string;
}

/**
 * Where statistics come from: rollups (see migration 20261121190000), or the
 * traces themselves for the last hour (one-minute trend buckets), a chat
 * session, or a range no rollup grain fits (the (startedAt), (userId,
 * startedAt) and (chatId, startedAt) indexes find their traces).
 */
export type StatisticsSource = "rollups" | "traces";

export interface StatisticsPlan {
  source: StatisticsSource;
  /** The rollup grain read, in ms (rollups only). */
  grainMs?: number;
  /** Trend bucket length in ms: a multiple of the grain for rollups. */
  stepMs: number;
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
/** Five-minute rollups are deleted after this many days (lib/telemetry/prune.ts). */
export const FINE_ROLLUP_DAYS = 7;
/** Grains rolled up for everyone and per user, coarsest first (parley_rollup_grains()). */
const GRAINS_FOR_EVERYONE = [DAY, 6 * HOUR, HOUR, 5 * MINUTE];
const GRAINS_PER_USER = [DAY];
/** Fewest trend points a grain must give to be chosen. */
const MIN_POINTS = { everyone: 24, user: 7 };
const MAX_POINTS = 72;
const TRACE_STEPS = [MINUTE, 5 * MINUTE, 10 * MINUTE, 30 * MINUTE, HOUR, 6 * HOUR, DAY];
const STEP_MULTIPLES = [1, 2, 3, 4, 6, 12, 24, 48, 96, 192];

/** Where a filter's statistics are read from, and the trend's bucket length. */
export function statisticsPlan(filter: PerformanceFilter, now = new Date()): StatisticsPlan {
  const span = filter.to.getTime() - filter.from.getTime();
  if (filter.chatId === undefined && span > HOUR) {
    const perUser = filter.userId !== undefined;
    const fineSince = now.getTime() - (FINE_ROLLUP_DAYS - 1) * DAY;
    const grain = (perUser ? GRAINS_PER_USER : GRAINS_FOR_EVERYONE).find(
      (g) => span / g >= (perUser ? MIN_POINTS.user : MIN_POINTS.everyone) && (g > 5 * MINUTE || filter.from.getTime() >= fineSince),
    );
    if (grain !== undefined) {
      const multiple = STEP_MULTIPLES.find((k) => span / (k * grain) <= MAX_POINTS) ?? STEP_MULTIPLES.at(-1)!;
      return { source: "rollups", grainMs: grain, stepMs: multiple * grain };
    }
  }
  return { source: "traces", stepMs: TRACE_STEPS.find((step) => span / step <= MAX_POINTS) ?? TRACE_STEPS.at(-1)! };
}

// $1 from, $2 to, $3 kind (null: every kind), $4 model, $5 retrieval, $6 user, $7 trend step, $8 trend origin, $9 chat,
// $10 rollup grain in seconds. Every statement mentions all ten so that both backends can type them.
// A rollup row counts whole: the first bucket is the one holding `from`.
const ROLLUP_WHERE = `grain = $10::int AND "userId" = COALESCE($6::text, '')
  AND start >= date_bin(make_interval(secs => $10::int), $1::timestamp, TIMESTAMP '1970-01-01') AND start < $2::timestamp
  AND ($3::text IS NULL OR kind = $3) AND ($4::text IS NULL OR model = $4) AND ($5::boolean IS NULL OR retrieval = $5) AND $9::text IS NULL`;

const TRACE_WHERE = `t."startedAt" >= $1::timestamp AND t."startedAt" < $2::timestamp
  AND ($3::text IS NULL OR t.kind = $3) AND ($4::text IS NULL OR COALESCE(t.model, '') = $4)
  AND ($5::boolean IS NULL OR t.retrieval = $5) AND ($6::text IS NULL OR t."userId" = $6)
  AND ($9::text IS NULL OR t."chatId" = $9) AND ($10::int IS NULL OR $10::int > 0)`;

/** Per trend bucket and overall (bucket null): counts and sums in the shape of a rollup row. */
const SUMS: Record<StatisticsSource, string> = {
  rollups: `
    SELECT date_bin($7::interval, start, $8::timestamp) AS bucket, kind, count, "okCount" AS ok, "totalSum" AS total_sum,
           "ttftSum" AS ttft_sum, "ttftCount" AS ttft_count, "tokensPerSecSum" AS tps_sum, "tokensPerSecCount" AS tps_count
    FROM "TraceRollup" WHERE ${ROLLUP_WHERE}`,
  traces: `
    SELECT date_bin($7::interval, t."startedAt", $8::timestamp) AS bucket, t.kind, 1 AS count, (t.outcome = 'ok')::int AS ok,
           t."totalMs" AS total_sum, COALESCE(t."ttftMs", 0) AS ttft_sum, (t."ttftMs" IS NOT NULL)::int AS ttft_count,
           COALESCE(t."tokensPerSec", 0) AS tps_sum, (t."tokensPerSec" IS NOT NULL)::int AS tps_count
    FROM "RequestTrace" t WHERE ${TRACE_WHERE}`,
};

/**
 * Latency histogram counts per (bucket, metric, bin), and per (metric, bin)
 * overall. A rollup's histogram spans only its non-empty bins: subscript i
 * holds bin i - 1, starting at array_lower (see migration 20261121170000).
 */
const BINS: Record<StatisticsSource, string> = {
  rollups: `
    SELECT date_bin($7::interval, r.start, $8::timestamp) AS bucket, h.metric, h.bin, h.n
    FROM "TraceRollup" r,
         LATERAL (SELECT 'total' AS metric, n, array_lower(r."totalHist", 1) + i::int - 2 AS bin
                  FROM unnest(r."totalHist") WITH ORDINALITY AS u(n, i) WHERE n > 0
                  UNION ALL
                  SELECT 'ttft', n, array_lower(r."ttftHist", 1) + i::int - 2
                  FROM unnest(r."ttftHist") WITH ORDINALITY AS u(n, i) WHERE n > 0) h
    WHERE ${ROLLUP_WHERE}`,
  traces: `
    SELECT date_bin($7::interval, t."startedAt", $8::timestamp) AS bucket, 'total' AS metric,
           parley_latency_bin(t."totalMs") AS bin, 1 AS n
    FROM "RequestTrace" t WHERE ${TRACE_WHERE}
    UNION ALL
    SELECT date_bin($7::interval, t."startedAt", $8::timestamp), 'ttft', parley_latency_bin(t."ttftMs"), 1
    FROM "RequestTrace" t WHERE ${TRACE_WHERE} AND t."ttftMs" IS NOT NULL`,
};

const STAGES: Record<StatisticsSource, string> = {
  rollups: `
    SELECT stage AS name, sum(count)::int AS count, sum("sumMs") AS sum_ms, sum("bottleneckCount")::int AS bottleneck_count
    FROM "TraceStageRollup" WHERE ${ROLLUP_WHERE} AND $7::interval IS NOT NULL AND $8::timestamp IS NOT NULL
    GROUP BY stage`,
  // Each matching trace's stages through the (traceId, name) key: OFFSET 0 keeps
  // the planner from turning the LATERAL back into a join. As a join, the
  // embedded database (no planner statistics: no autovacuum) guessed ~39k stages
  // per trace and hashed all 7.8M stages of a million traces instead: 1.2-2 s
  // for an hour's 1,200 traces (bench:performance).
  traces: `
    SELECT s.name, count(*)::int AS count, sum(s."durationMs") AS sum_ms,
           (count(*) FILTER (WHERE t.bottleneck = s.name))::int AS bottleneck_count
    FROM "RequestTrace" t, LATERAL (SELECT name, "durationMs" FROM "TraceStage" WHERE "traceId" = t.id OFFSET 0) s
    WHERE ${TRACE_WHERE} AND $7::interval IS NOT NULL AND $8::timestamp IS NOT NULL
    GROUP BY s.name`,
};

export interface SumsRow {
  bucket: Date | null;
  count: number;
  ok: number;
  totalSum: number;
  ttftSum: number;
  ttftCount: number;
  tpsSum: number;
  tpsCount: number;
}

export interface BinRow {
  bucket: Date | null;
  metric: "total" | "ttft";
  bin: number;
  n: number;
}

export interface PerformanceRows {
  source: StatisticsSource;
  sums: SumsRow[];
  bins: BinRow[];
  stages: StageTotals[];
  kinds: Array<{ kind: string; count: number; totalSum: number }>;
}

function params(filter: PerformanceFilter, kind: string | null, plan: StatisticsPlan, origin: Date): unknown[] {
  return [
    filter.from.toISOString(),
    filter.to.toISOString(),
    kind,
    filter.model ?? null,
    filter.retrieval ?? null,
    filter.userId ?? null,
    `${Math.round(plan.stepMs / 1000)} seconds`,
    origin.toISOString(),
    filter.chatId ?? null,
    plan.grainMs === undefined ? null : Math.round(plan.grainMs / 1000),
  ];
}

/**
 * Everything the overview and the trend need, aggregated in SQL: sums per
 * trend bucket and overall, histogram bins per bucket and overall, per-stage
 * totals, and request counts per kind (for background calls, shown apart).
 */
export async function performanceRows(filter: PerformanceFilter, plan: StatisticsPlan, origin: Date): Promise<PerformanceRows> {
  const { source } = plan;
  const db = await sql();
  const values = params(filter, filter.kind, plan, origin);
  const [sums, bins, stages, kinds] = await Promise.all([
    db.query<{ bucket: number | null; count: number; ok: number; total_sum: number; ttft_sum: number; ttft_count: number; tps_sum: number; tps_count: number }>(
      `SELECT (extract(epoch FROM bucket) * 1000)::float8 AS bucket, sum(count)::int AS count, sum(ok)::int AS ok, sum(total_sum)::float8 AS total_sum,
              sum(ttft_sum)::float8 AS ttft_sum, sum(ttft_count)::int AS ttft_count,
              sum(tps_sum)::float8 AS tps_sum, sum(tps_count)::int AS tps_count
       FROM (${SUMS[source]}) g GROUP BY GROUPING SETS ((g.bucket), ()) ORDER BY 1 NULLS FIRST`,
      values,
    ),
    db.query<{ bucket: number | null; metric: "total" | "ttft"; bin: number; n: number }>(
      `SELECT (extract(epoch FROM bucket) * 1000)::float8 AS bucket, metric, bin, sum(n)::int AS n FROM (${BINS[source]}) b
       GROUP BY GROUPING SETS ((b.bucket, metric, bin), (metric, bin))`,
      values,
    ),
    db.query<{ name: string; count: number; sum_ms: number; bottleneck_count: number }>(STAGES[source], values),
    db.query<{ kind: string; count: number; total_sum: number }>(
      `SELECT kind, sum(count)::int AS count, sum(total_sum)::float8 AS total_sum
       FROM (${SUMS[source]}) g GROUP BY kind ORDER BY count DESC`,
      params(filter, null, plan, origin),
    ),
  ]);
  return {
    source,
    sums: sums.map((r) => ({
      bucket: r.bucket === null ? null : new Date(r.bucket),
      count: r.count,
      ok: r.ok,
      totalSum: r.total_sum,
      ttftSum: r.ttft_sum,
      ttftCount: r.ttft_count,
      tpsSum: r.tps_sum,
      tpsCount: r.tps_count,
    })),
    bins: bins.map((r) => ({ bucket: r.bucket === null ? null : new Date(r.bucket), metric: r.metric, bin: r.bin, n: r.n })),
    stages: stages.map((r) => ({ name: r.name, count: r.count, sumMs: r.sum_ms, bottleneckCount: r.bottleneck_count })),
    kinds: kinds.map((r) => ({ kind: r.kind, count: r.count, totalSum: r.total_sum })),
  };
}
