import { randomUUID } from "node:crypto";
import { traceWriter } from "./trace-writer";

export type TraceKind = "chat" | "title" | "summary";
export type TraceSource = "ui" | "api" | "v1" | "background";
export type TraceOutcome = "ok" | "aborted" | "timeout" | "error";

export interface StageTiming {
  name: string;
  startMs: number;
  durationMs: number;
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
  fields: {
    userId?: string;
    chatId?: string;
    messageId?: string;
    model?: string;
    ttftMs?: number;
    promptTokens?: number;
    completionTokens?: number;
    tokensPerSec?: number;
    error?: string;
  } = {};

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

  /** Queues the trace for the batched writer; never blocks or fails the request. */
  save(outcome: TraceOutcome): void {
    const totalMs = this.now();
    // Stage names are unique per trace; a repeated stage keeps its total.
    const merged = new Map<string, StageTiming>();
    for (const stage of this.stages) {
      const seen = merged.get(stage.name);
      merged.set(stage.name, seen ? { ...seen, durationMs: seen.durationMs + stage.durationMs } : { ...stage });
    }
    traceWriter().add(
      { id: this.id, kind: this.kind, source: this.source, outcome, startedAt: this.startedAt, totalMs, ...this.fields },
      [...merged.values()].map((stage) => ({ traceId: this.id, ...stage })),
    );
  }
}
