"use client";

import { Fragment, useState } from "react";
import type { TraceView } from "@/lib/db/queries/traces";
import { formatMs, formatRate } from "./format";
import { barOf, StageBar } from "./stage-bar";

const OUTCOME_STYLE: Record<string, string> = {
  ok: "text-emerald-700",
  aborted: "text-zinc-500",
  timeout: "text-amber-700",
  error: "text-red-700",
};

/** The newest requests, each with its stage bar; a click opens its details. */
export function RequestList({ requests, onSession }: { requests: TraceView[]; onSession: (chatId: string) => void }) {
  const [open, setOpen] = useState<string | null>(null);
  if (requests.length === 0) return <p className="text-sm text-zinc-600">No requests in this range.</p>;
  return (
    <div className="overflow-x-auto">
      <table className="w-full min-w-[720px] text-left text-sm">
        <thead className="text-xs text-zinc-500">
          <tr>
            <th className="py-1 pr-2 font-normal">Time</th>
            <th className="py-1 pr-2 font-normal">User</th>
            <th className="py-1 pr-2 font-normal">Source</th>
            <th className="py-1 pr-2 font-normal">Outcome</th>
            <th className="py-1 pr-2 text-right font-normal">Total</th>
            <th className="py-1 pr-2 text-right font-normal">First token</th>
            <th className="w-1/3 py-1 font-normal">Stages</th>
          </tr>
        </thead>
        <tbody>
          {requests.map((trace) => (
            <Fragment key={trace.id}>
              <tr
                data-testid="request-row"
                className="cursor-pointer border-t border-zinc-100 hover:bg-zinc-50"
                onClick={() => setOpen(open === trace.id ? null : trace.id)}
                aria-expanded={open === trace.id}
              >
                <td className="py-1.5 pr-2 whitespace-nowrap tabular-nums">{new Date(trace.startedAt).toLocaleTimeString()}</td>
                <td className="max-w-40 truncate py-1.5 pr-2" title={trace.userEmail ?? undefined}>
                  {trace.userEmail ?? "—"}
                </td>
                <td className="py-1.5 pr-2">{trace.source}</td>
                <td className={`py-1.5 pr-2 ${OUTCOME_STYLE[trace.outcome] ?? ""}`}>{trace.outcome}</td>
                <td className="py-1.5 pr-2 text-right tabular-nums">{formatMs(trace.totalMs)}</td>
                <td className="py-1.5 pr-2 text-right tabular-nums">{formatMs(trace.ttftMs)}</td>
                <td className="py-1.5">
                  <StageBar stages={barOf(trace.stages)} totalMs={trace.totalMs} bottleneck={trace.bottleneck} compact />
                </td>
              </tr>
              {open === trace.id && (
                <tr>
                  <td colSpan={7} className="bg-zinc-50 p-3">
                    <RequestDetails trace={trace} onSession={onSession} />
                  </td>
                </tr>
              )}
            </Fragment>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function RequestDetails({ trace, onSession }: { trace: TraceView; onSession: (chatId: string) => void }) {
  return (
    <div className="space-y-3" data-testid="request-details">
      <dl className="grid grid-cols-2 gap-x-4 gap-y-1 text-xs sm:grid-cols-4">
        <div>
          <dt className="text-zinc-500">Request id</dt>
          <dd className="truncate font-mono" title={trace.id}>
            {trace.id}
          </dd>
        </div>
        <div>
          <dt className="text-zinc-500">Model</dt>
          <dd>{trace.model ?? "—"}</dd>
        </div>
        <div>
          <dt className="text-zinc-500">Tokens · speed</dt>
          <dd className="tabular-nums">
            {trace.completionTokens ?? "—"} · {formatRate(trace.tokensPerSec)}
          </dd>
        </div>
        <div>
          <dt className="text-zinc-500">Browser: connect · first token on screen</dt>
          <dd className="tabular-nums">
            {formatMs(trace.connectMs)} · {formatMs(trace.firstTokenOnScreenMs)}
          </dd>
        </div>
      </dl>
      {trace.error && <p className="text-xs text-red-700">{trace.error}</p>}
      <StageBar stages={barOf(trace.stages)} totalMs={trace.totalMs} bottleneck={trace.bottleneck} />
      {trace.chatId && (
        <button type="button" className="text-xs text-blue-700 underline" onClick={() => onSession(trace.chatId!)}>
          Show this chat session
        </button>
      )}
    </div>
  );
}
