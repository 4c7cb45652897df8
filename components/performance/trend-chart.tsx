"use client";

import { Bar, CartesianGrid, ComposedChart, Legend, Line, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import type { TrendPoint } from "@/lib/telemetry/performance-report";
import { formatMs } from "./format";

function tickTime(at: string, stepMs: number): string {
  const date = new Date(at);
  return stepMs >= 24 * 3_600_000
    ? date.toLocaleDateString(undefined, { month: "short", day: "numeric" })
    : date.toLocaleTimeString(undefined, { hour: "2-digit", minute: "2-digit" });
}

/** Requests per bucket (bars) and end-to-end / first-token percentiles (lines) over time. */
export function TrendChart({ trend, stepMs }: { trend: TrendPoint[]; stepMs: number }) {
  return (
    <div className="h-72 w-full" data-testid="trend-chart">
      <ResponsiveContainer width="100%" height="100%">
        <ComposedChart data={trend} margin={{ top: 8, right: 8, bottom: 0, left: 8 }}>
          <CartesianGrid stroke="#e4e4e7" vertical={false} />
          <XAxis dataKey="at" tickFormatter={(at: string) => tickTime(at, stepMs)} minTickGap={40} fontSize={12} />
          <YAxis yAxisId="ms" tickFormatter={(ms: number) => formatMs(ms)} fontSize={12} width={64} />
          <YAxis yAxisId="count" orientation="right" allowDecimals={false} fontSize={12} width={36} />
          <Tooltip
            labelFormatter={(at) => new Date(String(at)).toLocaleString()}
            formatter={(value, name) => (name === "Requests" ? [value, name] : [formatMs(Number(value)), name])}
          />
          <Legend wrapperStyle={{ fontSize: 12 }} />
          <Bar yAxisId="count" dataKey="requests" name="Requests" fill="#dbeafe" isAnimationActive={false} />
          <Line yAxisId="ms" dataKey="p50Ms" name="End-to-end p50" stroke="#2563eb" dot={{ r: 2 }} connectNulls isAnimationActive={false} />
          <Line yAxisId="ms" dataKey="p95Ms" name="End-to-end p95" stroke="#1e3a8a" strokeDasharray="4 3" dot={{ r: 2 }} connectNulls isAnimationActive={false} />
          <Line yAxisId="ms" dataKey="ttftP50Ms" name="First token p50" stroke="#f97316" dot={{ r: 2 }} connectNulls isAnimationActive={false} />
        </ComposedChart>
      </ResponsiveContainer>
    </div>
  );
}
