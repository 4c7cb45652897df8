import { config } from "../config";
import { sql } from "../db/client";

/**
 * Deletes old telemetry: request traces (their stages go with them), browser
 * timings and the hourly rollups. Rows go in bounded batches, one short
 * statement each, so the embedded database's single connection is never held
 * for long and chat turns keep their queries flowing in between.
 */

export interface PruneResult {
  traces: number;
  clientTimings: number;
  rollups: number;
  stageRollups: number;
}

const BATCH = 500;
/** A pause between batches: queries queued behind one get their turn. */
const PAUSE_MS = 5;
const HOUR_MS = 60 * 60 * 1000;
/** The first run, after start-up has settled. */
const FIRST_RUN_MS = 2 * 60 * 1000;

// Timestamps are stored as UTC wall-clock times (TIMESTAMP without a zone): the
// cutoff is passed as an ISO string, whose zone the cast drops, as the trace writer does.
const STATEMENTS: Record<keyof PruneResult, string> = {
  traces: `DELETE FROM "RequestTrace" WHERE id IN (SELECT id FROM "RequestTrace" WHERE "startedAt" < $1::timestamp LIMIT $2)`,
  clientTimings: `DELETE FROM "ClientTiming" WHERE "traceId" IN (SELECT "traceId" FROM "ClientTiming" WHERE "reportedAt" < $1::timestamp LIMIT $2)`,
  // A rollup row counts one whole hour: it goes once all of its hour is older than the cutoff.
  rollups: `DELETE FROM "TraceRollup" WHERE (hour, kind, model, retrieval) IN
            (SELECT hour, kind, model, retrieval FROM "TraceRollup" WHERE hour < date_trunc('hour', $1::timestamp) LIMIT $2)`,
  stageRollups: `DELETE FROM "TraceStageRollup" WHERE (hour, kind, model, retrieval, stage) IN
                 (SELECT hour, kind, model, retrieval, stage FROM "TraceStageRollup" WHERE hour < date_trunc('hour', $1::timestamp) LIMIT $2)`,
};

/** Deletes telemetry older than `olderThanDays` days (before `now`); 0 or less deletes nothing. */
export async function pruneTraces(
  olderThanDays: number,
  { now = new Date(), batchSize = BATCH }: { now?: Date; batchSize?: number } = {},
): Promise<PruneResult> {
  const result: PruneResult = { traces: 0, clientTimings: 0, rollups: 0, stageRollups: 0 };
  if (!(olderThanDays > 0)) return result;
  const cutoff = new Date(now.getTime() - olderThanDays * 24 * HOUR_MS).toISOString();
  const db = await sql();
  for (const table of Object.keys(STATEMENTS) as (keyof PruneResult)[]) {
    for (;;) {
      const [row] = await db.query<{ n: number }>(
        `WITH deleted AS (${STATEMENTS[table]} RETURNING 1) SELECT count(*)::int AS n FROM deleted`,
        [cutoff, batchSize],
      );
      const deleted = row?.n ?? 0;
      result[table] += deleted;
      if (deleted < batchSize) break;
      await new Promise((resolve) => setTimeout(resolve, PAUSE_MS));
    }
  }
  return result;
}

const globalForPrune = globalThis as unknown as { parleyTracePruning?: { first: NodeJS.Timeout; hourly: NodeJS.Timeout } };

/**
 * Prunes hourly with TRACE_RETENTION_DAYS (first a couple of minutes after
 * start); nothing when it is 0. Timers never keep the process alive; a second
 * call (a hot reload) does nothing.
 */
export function startTracePruning(): void {
  if (globalForPrune.parleyTracePruning || config.telemetry.traceRetentionDays === 0) return;
  let running = false;
  const run = async () => {
    const days = config.telemetry.traceRetentionDays;
    if (running || days === 0) return;
    running = true;
    try {
      const deleted = await pruneTraces(days);
      if (deleted.traces + deleted.clientTimings + deleted.rollups + deleted.stageRollups > 0) {
        console.log(
          `[parley] pruned telemetry older than ${days} days: ${deleted.traces} traces, ${deleted.clientTimings} browser timings, ` +
            `${deleted.rollups + deleted.stageRollups} rollup rows`,
        );
      }
    } catch (error) {
      console.warn(`[parley] could not prune old traces (will retry in an hour): ${(error as Error).message}`);
    } finally {
      running = false;
    }
  };
  globalForPrune.parleyTracePruning = {
    first: setTimeout(() => void run(), FIRST_RUN_MS).unref(),
    hourly: setInterval(() => void run(), HOUR_MS).unref(),
  };
}

/** Stops the timers (tests). */
export function stopTracePruning(): void {
  const timers = globalForPrune.parleyTracePruning;
  globalForPrune.parleyTracePruning = undefined;
  if (!timers) return;
  clearTimeout(timers.first);
  clearInterval(timers.hourly);
}
