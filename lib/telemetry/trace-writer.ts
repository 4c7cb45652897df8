import { sql } from "../db/client";
import { backoffMs, isDatabaseUnavailable } from "../jobs/retry";
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

/** Traces kept while the database is unreachable; beyond this the oldest are dropped. */
const MAX_PENDING = 5_000;

/**
 * Writes traces in batches, off the request path: a request only appends to
 * a queue; every half second (or every 200 traces) three statements store a
 * batch and add it to the dashboard's rollups (only the traces actually
 * inserted, so a trace is never counted twice). Plain SQL: Prisma would cost a
 * burst of main-thread CPU per flush. While the database is unreachable the
 * traces are kept (up to MAX_PENDING) and the write is retried with backoff.
 */
class TraceWriter {
  private pending: SavedTrace[] = [];
  private timer: ReturnType<typeof setTimeout> | undefined;
  private flushing: Promise<void> = Promise.resolve();
  /** Consecutive writes that failed because the database was unreachable. */
  private failures = 0;
  private dropped = 0;

  add(trace: SavedTrace) {
    this.pending.push(trace);
    if (this.pending.length > MAX_PENDING) {
      this.pending.shift();
      this.dropped++;
    }
    // While the database is away, only the retry timer writes.
    if (this.pending.length >= MAX_BATCH && this.failures === 0) void this.flush();
    else this.timer ??= setTimeout(() => void this.flush(), FLUSH_MS);
  }

  /** Stores everything queued so far; resolves when it is written (or the database turned out unreachable). */
  flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.flushing = this.flushing.then(async () => {
      while (this.pending.length > 0) {
        const batch = this.pending.splice(0, MAX_BATCH);
        try {
          await write(batch);
        } catch (error) {
          if (!isDatabaseUnavailable(error)) {
            console.error(`[parley] could not save ${batch.length} trace(s)`, error);
            continue;
          }
          this.pending.unshift(...batch.slice(0, Math.max(0, MAX_PENDING - this.pending.length)));
          const wait = backoffMs(this.failures++);
          if (this.failures === 1) {
            console.warn(`[parley] the database is unreachable (${(error as Error).message}): traces are kept and saved once it is back`);
          }
          this.timer ??= setTimeout(() => void this.flush(), wait).unref();
          return;
        }
        if (this.failures > 0) {
          console.log(`[parley] the database is back: saving the traces kept${this.dropped > 0 ? ` (${this.dropped} oldest dropped)` : ""}`);
          this.failures = 0;
          this.dropped = 0;
        }
      }
    });
    return this.flushing;
  }
}

/** One batch: traces, their stages, and their rollups, in one transaction. */
async function write(batch: SavedTrace[]): Promise<void> {
  const traces = batch.map(({ stages: _stages, ...trace }) => trace);
  const stages: StageRow[] = batch.flatMap((trace) => trace.stages.map((stage) => ({ traceId: trace.id, ...stage })));
  const db = await sql();
  await db.transaction(async (tx) => {
    const inserted = await tx.query<{ id: string }>(INSERT_TRACES, [JSON.stringify(traces)]);
    const ids = new Set(inserted.map((row) => row.id));
    await tx.query(INSERT_STAGES, [JSON.stringify(stages.filter((stage) => ids.has(stage.traceId)))]);
    if (ids.size > 0) await tx.query("SELECT parley_roll_up_traces($1::text[])", [[...ids]]);
  });
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
