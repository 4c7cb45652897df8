import { prisma } from "../db/client";
import type { Prisma } from "../db/generated/client";

type TraceRow = Prisma.RequestTraceCreateManyInput;
type StageRow = Prisma.TraceStageCreateManyInput;

const FLUSH_MS = 500;
const MAX_BATCH = 200;

/**
 * Writes traces in batches, off the request path: a request only appends to
 * a queue; every half second (or every 200 traces) one insert stores them all.
 * A trace costs its request microseconds instead of a database round trip.
 */
class TraceWriter {
  private traces: TraceRow[] = [];
  private stages: StageRow[] = [];
  private timer: ReturnType<typeof setTimeout> | undefined;
  private flushing: Promise<void> = Promise.resolve();

  add(trace: TraceRow, stages: StageRow[]) {
    this.traces.push(trace);
    this.stages.push(...stages);
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
      const db = await prisma();
      try {
        await db.$transaction([db.requestTrace.createMany({ data: traces }), db.traceStage.createMany({ data: stages })]);
      } catch {
        // One bad row (say, a user deleted since the request) must not lose the batch.
        await saveOneByOne(db, traces, stages);
      }
    });
    return this.flushing;
  }
}

async function saveOneByOne(db: Awaited<ReturnType<typeof prisma>>, traces: TraceRow[], stages: StageRow[]) {
  for (const trace of traces) {
    const own = stages.filter((stage) => stage.traceId === trace.id);
    const attempt = (row: TraceRow) =>
      db.$transaction([db.requestTrace.create({ data: row }), db.traceStage.createMany({ data: own })]);
    try {
      await attempt(trace);
    } catch {
      try {
        await attempt({ ...trace, userId: null });
      } catch (error) {
        console.error("[parley] could not save trace", trace.id, error);
      }
    }
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
