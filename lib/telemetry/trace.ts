import { randomUUID } from "node:crypto";
import { traceWriter } from "./trace-writer";
import { traceObservers } from "./observers";
import { bottleneckOf, usedRetrieval } from "./stages";

/**
 * chat: a user's turn; tts / transcribe: speech requests; title, summary:
 * background model calls; resume: a client coming back to an answer's stream
 * (a reload, a second tab, a lost connection).
 */
export type TraceKind = "chat" | "tts" | "transcribe" | "title" | "summary" | "resume";
export type TraceSource = "ui" | "api" | "v1" | "background";
export type TraceOutcome = "ok" | "aborted" | "timeout" | "error";

export interface StageTiming {
  name: string;
  startMs: number;
  durationMs: number;
}

/** What a request learns about itself as it runs. */
export interface TraceFields {
  userId?: string;
  chatId?: string;
  messageId?: string;
  model?: string;
  ttftMs?: number;
  promptTokens?: number;
  completionTokens?: number;
  tokensPerSec?: number;
  error?: string;
}

/** A finished request's trace, as stored, counted in metrics and exported. */
export interface SavedTrace extends TraceFields {
  id: string;
  kind: TraceKind;
  source: TraceSource;
  outcome: TraceOutcome;
  startedAt: Date;
  totalMs: number;
  /** The knowledge base was searched for this request. */
  retrieval: boolean;
  /** The stage the user waited on longest (see stages.ts); none without stages. */
  bottleneck?: string;
  stages: StageTiming[];
}

/**
 * Timings of one request, measured from when the request arrived. Stages are
 * recorded as they end; `save()` writes the trace in one insert, off the
 * user's path (after the answer has streamed).
 */
export class Trace {
  readonly id: string;
  readonly startedAt = new Date();
  private readonly t0 = performance.now();
  readonly stages: StageTiming[] = [];
  fields: TraceFields = {};

  constructor(
    readonly kind: TraceKind,
    /** Settable: a request's source is known only once it is authenticated. */
    public source: TraceSource,
    id?: string,
  ) {
    this.id = id ?? randomUUID();
  }

  /** Milliseconds since the request arrived. */
  now(): number {
    return performance.now() - this.t0;
  }

  /** Starts a stage; call the returned function when it ends. */
  start(name: string): () => number {
    const startMs = this.now();
    return () => {
      const durationMs = this.now() - startMs;
      this.stages.push({ name, startMs, durationMs });
      return durationMs;
    };
  }

  async time<T>(name: string, work: () => Promise<T>): Promise<T> {
    const end = this.start(name);
    try {
      return await work();
    } finally {
      end();
    }
  }

  /**
   * Queues the trace for the batched writer and hands it to the metrics and
   * export observers; never blocks or fails the request.
   */
  save(outcome: TraceOutcome): void {
    const totalMs = this.now();
    // Stage names are unique per trace; a repeated stage keeps its total.
    const merged = new Map<string, StageTiming>();
    for (const stage of this.stages) {
      const seen = merged.get(stage.name);
      merged.set(stage.name, seen ? { ...seen, durationMs: seen.durationMs + stage.durationMs } : { ...stage });
    }
    const stages = [...merged.values()];
    const record: SavedTrace = {
      id: this.id,
      kind: this.kind,
      source: this.source,
      outcome,
      startedAt: this.startedAt,
      totalMs,
      retrieval: usedRetrieval(stages),
      bottleneck: bottleneckOf(stages, this.fields.ttftMs),
      ...this.fields,
      stages,
    };
    traceWriter().add(record);
    for (const observe of traceObservers()) {
      try {
        observe(record);
      } catch (error) {
        console.error("[parley] a trace observer failed", error);
      }
    }
  }
}
