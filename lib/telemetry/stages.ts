import type { StageTiming } from "./trace";

/**
 * The stages a request can record, in the order they happen, with the words
 * the dashboard and the chat's latency report use for them. A stage not listed
 * here is still stored and shown, under its own name.
 */
export const STAGES = [
  { name: "auth", label: "Authentication" },
  { name: "history_load", label: "History load" },
  { name: "save_message", label: "Save message" },
  { name: "query_embedding", label: "Query embedding" },
  { name: "lexical_search", label: "Lexical search" },
  { name: "vector_search", label: "Vector search" },
  { name: "rerank", label: "Rerank" },
  { name: "prompt_build", label: "Prompt build" },
  { name: "model_tool_call", label: "Model tool call" },
  { name: "model_ttft", label: "Model queue + first token" },
  { name: "generation", label: "Generation" },
  { name: "persist", label: "Persistence" },
  { name: "synthesis", label: "Speech synthesis" },
  { name: "first_audio", label: "Time to first audio" },
  { name: "first_replay", label: "Time to first replayed event" },
  { name: "transcription", label: "Transcription" },
] as const;

/**
 * Milestones: spans from the request's start to a moment (the first audio),
 * overlapping the stages that led to it. Shown as a number, never as a bar
 * segment or a bottleneck.
 */
export const MILESTONE_STAGES: readonly string[] = ["first_audio", "first_replay"];

/** Stages that are knowledge-base retrieval. */
export const RETRIEVAL_STAGES: readonly string[] = ["query_embedding", "lexical_search", "vector_search", "rerank"];

const ORDER = new Map<string, number>(STAGES.map((stage, index) => [stage.name, index]));
const LABELS = new Map<string, string>(STAGES.map((stage) => [stage.name, stage.label]));

export function stageLabel(name: string): string {
  return LABELS.get(name) ?? name.replaceAll("_", " ");
}

/** Known stages in pipeline order, then unknown ones by name. */
export function compareStages(a: string, b: string): number {
  const ia = ORDER.get(a) ?? STAGES.length;
  const ib = ORDER.get(b) ?? STAGES.length;
  return ia - ib || a.localeCompare(b);
}

export function usedRetrieval(stages: readonly StageTiming[]): boolean {
  return stages.some((stage) => RETRIEVAL_STAGES.includes(stage.name));
}

/**
 * The stage the user waited on longest. When the request streamed a first
 * token, only stages that began before it count: that is the wait users feel,
 * and a long answer's generation would otherwise be the bottleneck of every
 * chat. Without a first token (errors, speech, background calls) every stage
 * counts. Ties go to the earlier stage.
 */
export function bottleneckOf(stages: readonly StageTiming[], ttftMs?: number): string | undefined {
  const timed = stages.filter((stage) => !MILESTONE_STAGES.includes(stage.name));
  const waited = ttftMs === undefined ? timed : timed.filter((stage) => stage.startMs < ttftMs);
  let worst: StageTiming | undefined;
  for (const stage of waited.length > 0 ? waited : timed) {
    if (!worst || stage.durationMs > worst.durationMs || (stage.durationMs === worst.durationMs && stage.startMs < worst.startMs)) {
      worst = stage;
    }
  }
  return worst?.name;
}
