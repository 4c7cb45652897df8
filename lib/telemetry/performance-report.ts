import { performanceRows, statisticsPlan, type BinRow, type PerformanceFilter, type StatisticsSource } from "../db/queries/performance";
import { recentTraces, type TraceView } from "../db/queries/traces";
import { commonestBottleneck, mean, percentile } from "./statistics";
import { compareStages, stageLabel } from "./stages";

export const RANGES = { "1h": 1, "6h": 6, "24h": 24, "7d": 168, "30d": 720 } as const;
export type RangeName = keyof typeof RANGES;

/** Kinds that are not a user waiting: shown apart, never in the user's numbers. */
export const BACKGROUND_KINDS: readonly string[] = ["title", "summary"];

export interface LatencySummary {
  avgMs?: number;
  p50Ms?: number;
  p95Ms?: number;
}

export interface StageSummary {
  name: string;
  label: string;
  /** Mean over the requests that ran the stage. */
  avgMs: number;
  requests: number;
  /** Requests for which this stage was the bottleneck. */
  bottleneckCount: number;
}

export interface TrendPoint {
  at: string;
  requests: number;
  successRate?: number;
  p50Ms?: number;
  p95Ms?: number;
  ttftP50Ms?: number;
  ttftP95Ms?: number;
}

export interface PerformanceReport {
  filter: { from: string; to: string; kind: string; model?: string; userId?: string; retrieval?: boolean; chatId?: string };
  /** rollups: sums per bucket of grainMs (percentiles within 5 %); traces: read from each trace in range. */
  source: StatisticsSource;
  /** The rollup bucket length read (rollups only); the range's first bucket counts whole. */
  grainMs?: number;
  stepMs: number;
  overview: {
    requests: number;
    successRate?: number;
    endToEnd: LatencySummary;
    timeToFirstToken: LatencySummary;
    tokensPerSec?: number;
    bottleneck?: { name: string; label: string; requests: number; share: number };
  };
  stages: StageSummary[];
  trend: TrendPoint[];
  kinds: Array<{ kind: string; requests: number; avgMs?: number; background: boolean }>;
  /** The newest matching requests with their stages. */
  requests: TraceView[];
}

/** Histograms per trend bucket (null: the whole range) and metric, from the bin rows in one pass. */
function histogramsByBucket(bins: BinRow[]): (bucket: number | null, metric: BinRow["metric"]) => Map<number, number> {
  const byKey = new Map<string, Map<number, number>>();
  for (const row of bins) {
    const key = `${row.bucket?.getTime() ?? "all"}:${row.metric}`;
    const counts = byKey.get(key) ?? new Map<number, number>();
    counts.set(row.bin, (counts.get(row.bin) ?? 0) + row.n);
    byKey.set(key, counts);
  }
  return (bucket, metric) => byKey.get(`${bucket ?? "all"}:${metric}`) ?? new Map();
}

/** The dashboard's statistics for a filter; all counting and summing is done by the database. */
export async function performanceReport(filter: PerformanceFilter, options: { limit?: number; now?: Date } = {}): Promise<PerformanceReport> {
  const plan = statisticsPlan(filter, options.now);
  const { source, stepMs } = plan;
  const [rows, requests] = await Promise.all([
    performanceRows(filter, plan, new Date(0)),
    recentTraces(filter, options.limit ?? 50),
  ]);
  const overall = rows.sums.find((row) => row.bucket === null);
  const histogram = histogramsByBucket(rows.bins);
  const totalHist = histogram(null, "total");
  const ttftHist = histogram(null, "ttft");
  const requestCount = overall?.count ?? 0;
  const top = commonestBottleneck(rows.stages);

  const trend: TrendPoint[] = [];
  const byBucket = new Map(rows.sums.filter((row) => row.bucket !== null).map((row) => [row.bucket!.getTime(), row]));
  const first = Math.floor(filter.from.getTime() / stepMs) * stepMs;
  for (let at = first; at < filter.to.getTime(); at += stepMs) {
    const row = byBucket.get(at);
    const total = histogram(at, "total");
    const ttft = histogram(at, "ttft");
    trend.push({
      at: new Date(at).toISOString(),
      requests: row?.count ?? 0,
      successRate: row && row.count > 0 ? row.ok / row.count : undefined,
      p50Ms: percentile(total, 0.5),
      p95Ms: percentile(total, 0.95),
      ttftP50Ms: percentile(ttft, 0.5),
      ttftP95Ms: percentile(ttft, 0.95),
    });
  }

  return {
    filter: {
      from: filter.from.toISOString(),
      to: filter.to.toISOString(),
      kind: filter.kind,
      model: filter.model,
      userId: filter.userId,
      retrieval: filter.retrieval,
      chatId: filter.chatId,
    },
    source,
    grainMs: plan.grainMs,
    stepMs,
    overview: {
      requests: requestCount,
      successRate: overall && overall.count > 0 ? overall.ok / overall.count : undefined,
      endToEnd: { avgMs: mean(overall?.totalSum ?? 0, requestCount), p50Ms: percentile(totalHist, 0.5), p95Ms: percentile(totalHist, 0.95) },
      timeToFirstToken: {
        avgMs: mean(overall?.ttftSum ?? 0, overall?.ttftCount ?? 0),
        p50Ms: percentile(ttftHist, 0.5),
        p95Ms: percentile(ttftHist, 0.95),
      },
      tokensPerSec: mean(overall?.tpsSum ?? 0, overall?.tpsCount ?? 0),
      bottleneck: top && {
        name: top.name,
        label: stageLabel(top.name),
        requests: top.bottleneckCount,
        share: requestCount > 0 ? top.bottleneckCount / requestCount : 0,
      },
    },
    stages: rows.stages
      .filter((stage) => stage.count > 0)
      .sort((a, b) => compareStages(a.name, b.name))
      .map((stage) => ({
        name: stage.name,
        label: stageLabel(stage.name),
        avgMs: stage.sumMs / stage.count,
        requests: stage.count,
        bottleneckCount: stage.bottleneckCount,
      })),
    trend,
    kinds: rows.kinds.map((row) => ({
      kind: row.kind,
      requests: row.count,
      avgMs: mean(row.totalSum, row.count),
      background: BACKGROUND_KINDS.includes(row.kind),
    })),
    requests,
  };
}
