import type { StageTiming } from "@/lib/telemetry/trace";
import { MILESTONE_STAGES, stageLabel } from "@/lib/telemetry/stages";
import { formatMs, formatPercent, stageColor } from "./format";

export interface BarStage {
  name: string;
  label: string;
  ms: number;
}

/** A request's stages as bar segments (milestones such as the first audio are not segments). */
export function barOf(stages: readonly StageTiming[]): BarStage[] {
  return stages
    .filter((stage) => !MILESTONE_STAGES.includes(stage.name))
    .map((stage) => ({ name: stage.name, label: stageLabel(stage.name), ms: stage.durationMs }));
}

/**
 * A stacked bar of where a request's (or an average request's) time went,
 * with milliseconds and percent per stage and the bottleneck marked. Time not
 * in any stage (streaming, network) shows as "other".
 */
export function StageBar({
  stages,
  totalMs,
  bottleneck,
  compact = false,
}: {
  stages: BarStage[];
  totalMs: number;
  bottleneck?: string | null;
  compact?: boolean;
}) {
  const measured = stages.reduce((sum, stage) => sum + stage.ms, 0);
  const other = totalMs - measured;
  const parts = other > Math.max(1, totalMs * 0.005) ? [...stages, { name: "other", label: "Other (streaming, network)", ms: other }] : stages;
  const whole = Math.max(totalMs, measured, 0.001);
  return (
    <div className="min-w-0">
      <div
        className={`flex w-full overflow-hidden rounded ${compact ? "h-2.5" : "h-5"} bg-zinc-100`}
        role="img"
        aria-label={parts.map((p) => `${p.label} ${formatMs(p.ms)}`).join(", ")}
      >
        {parts.map((part) => (
          <div
            key={part.name}
            title={`${part.label}: ${formatMs(part.ms)} (${formatPercent(part.ms / whole)})`}
            style={{ width: `${(part.ms / whole) * 100}%`, background: part.name === "other" ? "#e4e4e7" : stageColor(part.name) }}
            className={part.name === bottleneck ? "outline outline-2 -outline-offset-2 outline-red-600" : undefined}
          />
        ))}
      </div>
      {!compact && (
        <ul className="mt-2 grid grid-cols-1 gap-x-4 gap-y-1 text-xs sm:grid-cols-2" aria-label="Stages">
          {parts.map((part) => (
            <li
              key={part.name}
              data-stage={part.name}
              data-bottleneck={part.name === bottleneck ? "true" : undefined}
              className={`flex items-center gap-2 ${part.name === bottleneck ? "font-semibold text-red-700" : "text-zinc-700"}`}
            >
              <span
                aria-hidden="true"
                className="inline-block h-2.5 w-2.5 shrink-0 rounded-sm"
                style={{ background: part.name === "other" ? "#e4e4e7" : stageColor(part.name) }}
              />
              <span className="min-w-0 flex-1 truncate">
                {part.label}
                {part.name === bottleneck && " · bottleneck"}
              </span>
              <span className="tabular-nums">{formatMs(part.ms)}</span>
              <span className="w-12 text-right tabular-nums text-zinc-500">{formatPercent(part.ms / whole)}</span>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
