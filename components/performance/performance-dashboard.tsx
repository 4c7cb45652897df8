"use client";

import { useEffect, useMemo, useState } from "react";
import type { PerformanceReport } from "@/lib/telemetry/performance-report";
import { MILESTONE_STAGES } from "@/lib/telemetry/stages";
import { fetchJson } from "../knowledge/api";
import { formatGrain, formatMs } from "./format";
import { Overview } from "./overview";
import { RequestList } from "./request-list";
import { StageBar } from "./stage-bar";
import { TrendChart } from "./trend-chart";

const REFRESH_MS = 5_000;
const RANGES = [
  ["1h", "Last hour"],
  ["6h", "Last 6 hours"],
  ["24h", "Last 24 hours"],
  ["7d", "Last 7 days"],
  ["30d", "Last 30 days"],
] as const;
const KINDS = [
  ["chat", "Chat answers"],
  ["tts", "Speech synthesis"],
  ["transcribe", "Transcription"],
  ["title", "Titles (background)"],
  ["summary", "Summaries (background)"],
  ["resume", "Answer resumes (reload, tab, reconnect)"],
] as const;

interface Filters {
  range: string;
  kind: string;
  model: string;
  user: string;
  retrieval: string;
  chat: string;
}

const select = "rounded-md border border-zinc-300 bg-white px-2 py-1 text-sm";

function Section({ title, children, testId }: { title: string; children: React.ReactNode; testId?: string }) {
  return (
    <section className="rounded-lg border border-zinc-200 bg-white p-4" data-testid={testId}>
      <h2 className="mb-3 text-sm font-semibold">{title}</h2>
      {children}
    </section>
  );
}

/** The admin's latency dashboard: filters, headline numbers, trend, stages, requests; refreshed live. */
export function PerformanceDashboard({ models, users }: { models: string[]; users: Array<{ id: string; email: string }> }) {
  const [filters, setFilters] = useState<Filters>({ range: "24h", kind: "chat", model: "", user: "", retrieval: "", chat: "" });
  const [live, setLive] = useState(true);
  const [report, setReport] = useState<PerformanceReport | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [updatedAt, setUpdatedAt] = useState<Date | null>(null);

  const url = useMemo(() => {
    const params = new URLSearchParams();
    for (const [key, value] of Object.entries(filters)) if (value) params.set(key, value);
    return `/api/performance?${params}`;
  }, [filters]);

  useEffect(() => {
    let current = true;
    const load = () =>
      fetchJson<PerformanceReport>(url).then(
        (data) => {
          if (!current) return;
          setReport(data);
          setError(null);
          setUpdatedAt(new Date());
        },
        (failure: Error) => current && setError(failure.message),
      );
    void load();
    const timer = live ? setInterval(() => document.visibilityState === "visible" && void load(), REFRESH_MS) : undefined;
    return () => {
      current = false;
      clearInterval(timer);
    };
  }, [url, live]);

  const set = (key: keyof Filters) => (event: React.ChangeEvent<HTMLSelectElement>) =>
    setFilters((f) => ({ ...f, [key]: event.target.value }));

  const averageStages = report
    ? report.stages
        .filter((stage) => !MILESTONE_STAGES.includes(stage.name))
        .map((stage) => ({
          name: stage.name,
          label: stage.label,
          // Per request on average, counting requests that skipped the stage as 0.
          ms: report.overview.requests > 0 ? (stage.avgMs * stage.requests) / report.overview.requests : 0,
        }))
    : [];

  return (
    <div className="space-y-4">
      <div className="flex flex-wrap items-center gap-2" role="group" aria-label="Filters">
        <select aria-label="Time range" className={select} value={filters.range} onChange={set("range")}>
          {RANGES.map(([value, label]) => (
            <option key={value} value={value}>
              {label}
            </option>
          ))}
        </select>
        <select aria-label="Request kind" className={select} value={filters.kind} onChange={set("kind")}>
          {KINDS.map(([value, label]) => (
            <option key={value} value={value}>
              {label}
            </option>
          ))}
        </select>
        <select aria-label="Model" className={select} value={filters.model} onChange={set("model")}>
          <option value="">All models</option>
          {models.map((model) => (
            <option key={model} value={model}>
              {model}
            </option>
          ))}
        </select>
        <select aria-label="User" className={select} value={filters.user} onChange={set("user")}>
          <option value="">All users</option>
          {users.map((user) => (
            <option key={user.id} value={user.id}>
              {user.email}
            </option>
          ))}
        </select>
        <select aria-label="Retrieval" className={select} value={filters.retrieval} onChange={set("retrieval")}>
          <option value="">With or without retrieval</option>
          <option value="with">With retrieval</option>
          <option value="without">Without retrieval</option>
        </select>
        <label className="ml-auto flex items-center gap-1.5 text-sm text-zinc-700">
          <input type="checkbox" checked={live} onChange={(event) => setLive(event.target.checked)} />
          Live
        </label>
        <span className="text-xs text-zinc-500" aria-live="polite">
          {updatedAt ? `Updated ${updatedAt.toLocaleTimeString()}` : "Loading…"}
        </span>
      </div>

      {filters.chat && (
        <p className="flex items-center gap-2 rounded-md bg-blue-50 px-3 py-2 text-sm text-blue-900" data-testid="session-filter">
          Chat session <span className="font-mono text-xs">{filters.chat}</span>
          <button type="button" className="ml-auto text-blue-700 underline" onClick={() => setFilters((f) => ({ ...f, chat: "" }))}>
            Show all sessions
          </button>
        </p>
      )}
      {error && (
        <p role="alert" className="rounded-md bg-red-50 px-3 py-2 text-sm text-red-800">
          {error}
        </p>
      )}

      {report && (
        <>
          <Overview overview={report.overview} />
          <Section title="Trend" testId="trend">
            <TrendChart trend={report.trend} stepMs={report.stepMs} />
            <p className="mt-1 text-xs text-zinc-500">
              {report.source === "rollups"
                ? `From ${formatGrain(report.grainMs)} rollups (the first bucket counts whole); percentiles are within 5 % of exact.`
                : "From each request in range; percentiles are within 5 % of exact."}
            </p>
          </Section>
          <Section title={`Where the time goes (average request, ${formatMs(report.overview.endToEnd.avgMs)})`} testId="average-stages">
            {report.overview.requests > 0 ? (
              <StageBar stages={averageStages} totalMs={report.overview.endToEnd.avgMs ?? 0} bottleneck={report.overview.bottleneck?.name} />
            ) : (
              <p className="text-sm text-zinc-600">No requests in this range.</p>
            )}
          </Section>
          {report.kinds.length > 0 && (
            <Section title="All request kinds in range" testId="kinds">
              <ul className="space-y-1 text-sm">
                {report.kinds.map((kind) => (
                  <li key={kind.kind} className="flex gap-3">
                    <span className="w-28">{kind.kind}</span>
                    <span className="tabular-nums">
                      {kind.requests.toLocaleString()} {kind.requests === 1 ? "request" : "requests"}
                    </span>
                    <span className="tabular-nums text-zinc-600">avg {formatMs(kind.avgMs)}</span>
                    {kind.background && <span className="text-xs text-zinc-500">background: not part of any user&apos;s wait</span>}
                  </li>
                ))}
              </ul>
            </Section>
          )}
          <Section title={filters.chat ? "Requests in this session" : "Recent requests"} testId="requests">
            <RequestList requests={report.requests} onSession={(chat) => setFilters((f) => ({ ...f, chat }))} />
          </Section>
        </>
      )}
    </div>
  );
}
