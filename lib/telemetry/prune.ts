import { config } from "../config";
import { sql } from "../db/client";
import { FINE_ROLLUP_DAYS } from "../db/queries/performance";
import { backoffMs, isDatabaseUnavailable } from "../jobs/retry";

/**
 * Deletes old telemetry: request traces (their stages go with them), browser
 * timings and rollups (five-minute ones after FINE_ROLLUP_DAYS). Rows go in
 * bounded batches, one short statement each, so the embedded database's single
 * connection is never held for long and chat turns keep their queries flowing
 * in between.
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
/** Retries while the database is unreachable wait at most this long. */
const RETRY_MAX_MS = 5 * 60 * 1000;

// Timestamps are stored as UTC wall-clock times (TIMESTAMP without a zone): the
// cutoffs are passed as ISO strings, whose zone the cast drops, as the trace writer does.
// $1 the retention cutoff, $2 the batch size; rollups also $3, the cutoff for
// five-minute rollups (FINE_ROLLUP_DAYS, or retention if that is shorter).
// A rollup row counts one whole bucket: it goes once all of its bucket is older than its cutoff.
const ROLLUP_EXPIRED = `start + make_interval(secs => grain) <= CASE WHEN grain < 3600 THEN $3::timestamp ELSE $1::timestamp END`;
const STATEMENTS: Record<keyof PruneResult, { sql: string; fineCutoff?: true }> = {
  traces: { sql: `DELETE FROM "RequestTrace" WHERE id IN (SELECT id FROM "RequestTrace" WHERE "startedAt" < $1::timestamp LIMIT $2)` },
  clientTimings: {
    sql: `DELETE FROM "ClientTiming" WHERE "traceId" IN (SELECT "traceId" FROM "ClientTiming" WHERE "reportedAt" < $1::timestamp LIMIT $2)`,
  },
  rollups: {
    sql: `DELETE FROM "TraceRollup" WHERE (grain, "userId", start, kind, model, retrieval) IN
          (SELECT grain, "userId", start, kind, model, retrieval FROM "TraceRollup" WHERE ${ROLLUP_EXPIRED} LIMIT $2)`,
    fineCutoff: true,
  },
  stageRollups: {
    sql: `DELETE FROM "TraceStageRollup" WHERE (grain, "userId", start, kind, model, retrieval, stage) IN
          (SELECT grain, "userId", start, kind, model, retrieval, stage FROM "TraceStageRollup" WHERE ${ROLLUP_EXPIRED} LIMIT $2)`,
    fineCutoff: true,
  },
};

/** Deletes telemetry older than `olderThanDays` days (before `now`); 0 or less deletes nothing. */
export async function pruneTraces(
  olderThanDays: number,
  { now = new Date(), batchSize = BATCH }: { now?: Date; batchSize?: number } = {},
): Promise<PruneResult> {
  const result: PruneResult = { traces: 0, clientTimings: 0, rollups: 0, stageRollups: 0 };
  if (!(olderThanDays > 0)) return result;
  const cutoff = new Date(now.getTime() - olderThanDays * 24 * HOUR_MS).toISOString();
  const fineCutoff = new Date(now.getTime() - Math.min(olderThanDays, FINE_ROLLUP_DAYS) * 24 * HOUR_MS).toISOString();
  const db = await sql();
  for (const table of Object.keys(STATEMENTS) as (keyof PruneResult)[]) {
    const statement = STATEMENTS[table];
    for (;;) {
      const [row] = await db.query<{ n: number }>(
        `WITH deleted AS (${statement.sql} RETURNING 1) SELECT count(*)::int AS n FROM deleted`,
        statement.fineCutoff ? [cutoff, batchSize, fineCutoff] : [cutoff, batchSize],
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
 * start); nothing when it is 0. A run that finds the database unreachable is
 * retried with backoff (from `retryBaseMs`, 5 s, up to 5 minutes) until the
 * database is back, rather than waiting for the next hour. Timers never keep
 * the process alive; a second call (a hot reload) does nothing. Tests shorten
 * the waits.
 */
export function startTracePruning({ firstRunMs = FIRST_RUN_MS, retryBaseMs = 5_000 }: { firstRunMs?: number; retryBaseMs?: number } = {}): void {
  if (globalForPrune.parleyTracePruning || config.telemetry.traceRetentionDays === 0) return;
  let running = false;
  const runOnce = async (days: number) => {
    const deleted = await pruneTraces(days);
    if (deleted.traces + deleted.clientTimings + deleted.rollups + deleted.stageRollups > 0) {
      console.log(
        `[parley] pruned telemetry older than ${days} days: ${deleted.traces} traces, ${deleted.clientTimings} browser timings, ` +
          `${deleted.rollups + deleted.stageRollups} rollup rows`,
      );
    }
  };
  const run = async () => {
    const days = config.telemetry.traceRetentionDays;
    if (running || days === 0) return;
    running = true;
    const timers = globalForPrune.parleyTracePruning;
    try {
      for (let failures = 0; globalForPrune.parleyTracePruning === timers; failures++) {
        try {
          await runOnce(days);
          return;
        } catch (error) {
          const message = (error as Error).message;
          if (!isDatabaseUnavailable(error)) {
            console.warn(`[parley] could not prune old traces (will retry in an hour): ${message}`);
            return;
          }
          const wait = backoffMs(failures, { baseMs: retryBaseMs, maxMs: RETRY_MAX_MS });
          console.warn(`[parley] could not prune old traces, the database is unreachable (${message}); retrying in ${Math.round(wait / 1000)} s`);
          await new Promise((resolve) => setTimeout(resolve, wait).unref());
        }
      }
    } finally {
      running = false;
    }
  };
  globalForPrune.parleyTracePruning = {
    first: setTimeout(() => void run(), firstRunMs).unref(),
    hourly: setInterval(() => void run(), HOUR_MS).unref(),
  };
}

/** Stops the timers (tests); a run waiting to retry gives up. */
export function stopTracePruning(): void {
  const timers = globalForPrune.parleyTracePruning;
  globalForPrune.parleyTracePruning = undefined;
  if (!timers) return;
  clearTimeout(timers.first);
  clearInterval(timers.hourly);
}
