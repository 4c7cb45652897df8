"use client";

import { useEffect, useState } from "react";
import type { TraceView } from "@/lib/db/queries/traces";
import { RETRIEVAL_STAGES, stageLabel } from "@/lib/telemetry/stages";
import { formatMs, formatRate } from "../performance/format";
import { barOf, StageBar } from "../performance/stage-bar";

type Report = { state: "loading" } | { state: "ready"; trace: TraceView } | { state: "missing"; message: string };

async function loadReport(messageId: string, attempts = 3): Promise<Report> {
  for (let attempt = 1; ; attempt++) {
    const response = await fetch(`/api/messages/${messageId}/latency`, { cache: "no-store" });
    if (response.ok) return { state: "ready", trace: (await response.json()) as TraceView };
    // Traces are written in batches a moment after the answer: ask again shortly.
    if (response.status !== 404 || attempt >= attempts) {
      return { state: "missing", message: response.status === 404 ? "No latency report for this answer." : "The latency report could not be loaded." };
    }
    await new Promise((resolve) => setTimeout(resolve, 600));
  }
}

/** An answer's info control: its latency report (first token, speed, retrieval, total, stages). */
export function LatencyInfo({ messageId }: { messageId: string }) {
  const [open, setOpen] = useState(false);
  const [report, setReport] = useState<Report>({ state: "loading" });

  useEffect(() => {
    if (!open) return;
    let current = true;
    void loadReport(messageId).then((result) => current && setReport(result));
    return () => {
      current = false;
    };
  }, [open, messageId]);

  return (
    <div className="relative">
      <button
        type="button"
        aria-expanded={open}
        aria-label="Latency report"
        title="Latency report"
        onClick={() => setOpen((value) => !value)}
        className="flex h-6 w-6 items-center justify-center rounded-full border border-zinc-300 font-serif text-xs italic hover:bg-zinc-100 hover:text-zinc-800"
      >
        i
      </button>
      {open && (
        <div
          role="dialog"
          aria-label="Latency report"
          className="absolute bottom-8 left-0 z-20 w-80 rounded-lg border border-zinc-200 bg-white p-3 text-xs text-zinc-800 shadow-lg"
        >
          {report.state === "loading" && <p>Loading…</p>}
          {report.state === "missing" && <p>{report.message}</p>}
          {report.state === "ready" && <LatencyDetails trace={report.trace} />}
        </div>
      )}
    </div>
  );
}

function LatencyDetails({ trace }: { trace: TraceView }) {
  const retrieval = trace.stages.filter((stage) => RETRIEVAL_STAGES.includes(stage.name));
  const retrievalMs = retrieval.length > 0 ? retrieval.reduce((sum, stage) => sum + stage.durationMs, 0) : undefined;
  const rows: Array<[string, string]> = [
    ["Time to first token", formatMs(trace.ttftMs)],
    ["Generation speed", formatRate(trace.tokensPerSec)],
    ["Retrieval", retrievalMs === undefined ? "not used" : formatMs(retrievalMs)],
    ["Total", formatMs(trace.totalMs)],
    ["First token on your screen", formatMs(trace.firstTokenOnScreenMs)],
  ];
  return (
    <div className="space-y-2">
      <dl className="grid grid-cols-[1fr_auto] gap-x-3 gap-y-0.5">
        {rows.map(([label, value]) => (
          <div key={label} className="contents">
            <dt className="text-zinc-500">{label}</dt>
            <dd className="text-right tabular-nums" data-metric={label}>
              {value}
            </dd>
          </div>
        ))}
      </dl>
      <StageBar
        stages={barOf(trace.stages)}
        totalMs={trace.totalMs}
        bottleneck={trace.bottleneck}
        compact
      />
      {trace.bottleneck && <p className="text-zinc-600">Waited longest on: {stageLabel(trace.bottleneck)}</p>}
    </div>
  );
}
