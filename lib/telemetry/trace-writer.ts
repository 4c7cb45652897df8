import { sql } from "../db/client";
import type { SavedTrace } from "./trace";

interface StageRow {
  traceId: string;
  name: string;
  startMs: number;
  durationMs: number;
}

const FLUSH_MS = 500;
const MAX_BATCH = 200;

// One statement per table for a whole batch. A trace whose user was deleted
// since the request keeps its timings, unlinked (the LEFT JOIN gives NULL).
const INSERT_TRACES = `
  INSERT INTO "RequestTrace" (id, kind, source, "userId", "chatId", "messageId", model, outcome, error,
                              "startedAt", "totalMs", "ttftMs", "promptTokens", "completionTokens", "tokensPerSec",
                              retrieval, bottleneck)
  SELECT t.id, t.kind, t.source, u.id, t."chatId", t."messageId", t.model, t.outcome, t.error,
         t."startedAt", t."totalMs", t."ttftMs", t."promptTokens", t."completionTokens", t."tokensPerSec",
         t.retrieval, t.bottleneck
  FROM jsonb_to_recordset($1::jsonb) AS t(
    id text, kind text, source text, "userId" text, "chatId" text, "messageId" text, model text, outcome text,
    error text, "startedAt" timestamp, "totalMs" float8, "ttftMs" float8, "promptTokens" int,
    "completionTokens" int, "tokensPerSec" float8, retrieval boolean, bottleneck text)
  LEFT JOIN "User" u ON u.id = t."userId"
  ON CONFLICT (id) DO NOTHING
  RETURNING id`;

const INSERT_STAGES = `
  INSERT INTO "TraceStage" ("traceId", name, "startMs", "durationMs")
  SELECT s."traceId", s.name, s."startMs", s."durationMs"
  FROM jsonb_to_recordset($1::jsonb) AS s("traceId" text, name text, "startMs" float8, "durationMs" float8)
  ON CONFLICT ("traceId", name) DO NOTHING`;

/**
 * Writes traces in batches, off the request path: a request only appends to
 * a queue; every half second (or every 200 traces) three statements store them
 * all and add them to the dashboard's rollups (only the traces actually
 * inserted, so a trace is never counted twice). Plain SQL: Prisma would cost a
 * burst of main-thread CPU per flush.
 */
class TraceWriter {
  private traces: Omit<SavedTrace, "stages">[] = [];
  private stages: StageRow[] = [];
  private timer: ReturnType<typeof setTimeout> | undefined;
  private flushing: Promise<void> = Promise.resolve();

  add({ stages, ...trace }: SavedTrace) {
    this.traces.push(trace);
    for (const stage of stages) this.stages.push({ traceId: trace.id, ...stage });
    if (this.traces.length >= MAX_BATCH) void this.flush();
    else this.timer ??= setTimeout(() => void this.flush(), FLUSH_MS);
  }

  /** Stores everything queued so far; resolves when it is written. */
  flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    const traces = this.traces;
    const stages = this.stages;
    this.traces = [];
    this.stages = [];
    this.flushing = this.flushing.then(async () => {
      if (traces.length === 0) return;
      try {
        const db = await sql();
        await db.transaction(async (tx) => {
          const inserted = await tx.query<{ id: string }>(INSERT_TRACES, [JSON.stringify(traces)]);
          const ids = new Set(inserted.map((row) => row.id));
          await tx.query(INSERT_STAGES, [JSON.stringify(stages.filter((stage) => ids.has(stage.traceId)))]);
          if (ids.size > 0) await tx.query("SELECT parley_roll_up_traces($1::text[])", [[...ids]]);
        });
      } catch (error) {
        console.error(`[parley] could not save ${traces.length} trace(s)`, error);
      }
    });
    return this.flushing;
  }
}

const globalForTraces = globalThis as unknown as { parleyTraceWriter?: TraceWriter };

export function traceWriter(): TraceWriter {
  globalForTraces.parleyTraceWriter ??= new TraceWriter();
  return globalForTraces.parleyTraceWriter;
}

/** Writes queued traces now (tests; shutdown). */
export function flushTraces(): Promise<void> {
  return traceWriter().flush();
}
