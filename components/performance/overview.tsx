import type { PerformanceReport } from "@/lib/telemetry/performance-report";
import { formatMs, formatPercent, formatRate } from "./format";

function Card({ title, value, detail, testId }: { title: string; value: string; detail?: string; testId: string }) {
  return (
    <div className="rounded-lg border border-zinc-200 bg-white p-3" data-testid={testId}>
      <p className="text-xs text-zinc-500">{title}</p>
      <p className="mt-1 text-lg font-semibold tabular-nums">{value}</p>
      {detail && <p className="mt-0.5 text-xs text-zinc-600 tabular-nums">{detail}</p>}
    </div>
  );
}

/** The headline numbers for the filtered requests. */
export function Overview({ overview }: { overview: PerformanceReport["overview"] }) {
  const { endToEnd, timeToFirstToken: ttft, bottleneck } = overview;
  return (
    <div className="grid grid-cols-2 gap-3 lg:grid-cols-3 xl:grid-cols-6">
      <Card testId="stat-requests" title="Requests" value={overview.requests.toLocaleString()} />
      <Card testId="stat-success" title="Success rate" value={formatPercent(overview.successRate, 1)} />
      <Card
        testId="stat-end-to-end"
        title="End-to-end (avg)"
        value={formatMs(endToEnd.avgMs)}
        detail={`p50 ${formatMs(endToEnd.p50Ms)} · p95 ${formatMs(endToEnd.p95Ms)}`}
      />
      <Card
        testId="stat-ttft"
        title="Time to first token (avg)"
        value={formatMs(ttft.avgMs)}
        detail={`p50 ${formatMs(ttft.p50Ms)} · p95 ${formatMs(ttft.p95Ms)}`}
      />
      <Card testId="stat-speed" title="Generation speed" value={formatRate(overview.tokensPerSec)} />
      <Card
        testId="stat-bottleneck"
        title="Most common bottleneck"
        value={bottleneck?.label ?? "—"}
        detail={bottleneck ? `${formatPercent(bottleneck.share)} of requests` : undefined}
      />
    </div>
  );
}
