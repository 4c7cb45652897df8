/** "840 ms", "1.24 s", "—" for nothing measured. */
export function formatMs(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return "—";
  if (ms < 10) return `${ms.toFixed(1)} ms`;
  if (ms < 1000) return `${Math.round(ms)} ms`;
  return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
}

export function formatPercent(share: number | null | undefined, digits = 0): string {
  if (share === null || share === undefined || !Number.isFinite(share)) return "—";
  return `${(share * 100).toFixed(digits)} %`;
}

export function formatRate(perSec: number | null | undefined): string {
  if (perSec === null || perSec === undefined || !Number.isFinite(perSec)) return "—";
  return `${perSec.toFixed(perSec < 10 ? 1 : 0)} tok/s`;
}

/** "5-minute", "1-hour", "6-hour", "1-day": a rollup bucket's length. */
export function formatGrain(ms: number | undefined): string {
  if (ms === undefined) return "time-bucket";
  if (ms % 86_400_000 === 0) return `${ms / 86_400_000}-day`;
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000}-hour`;
  return `${Math.round(ms / 60_000)}-minute`;
}

/** A color per stage name, stable across charts. */
const COLORS: Record<string, string> = {
  auth: "#a1a1aa",
  history_load: "#60a5fa",
  save_message: "#93c5fd",
  query_embedding: "#a78bfa",
  lexical_search: "#c084fc",
  vector_search: "#e879f9",
  rerank: "#f472b6",
  prompt_build: "#fbbf24",
  model_tool_call: "#fb923c",
  model_ttft: "#f97316",
  generation: "#34d399",
  persist: "#2dd4bf",
  synthesis: "#0ea5e9",
  transcription: "#818cf8",
};

export function stageColor(name: string): string {
  return COLORS[name] ?? "#d4d4d8";
}
