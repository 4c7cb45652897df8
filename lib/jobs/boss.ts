import { PgBoss } from "pg-boss";
import { fromPglite } from "pg-boss/dist/adapters/pglite.js";
import { database, type Database } from "../db/client";

/**
 * Durable background jobs with pg-boss, in the database Parley already runs
 * on: its own pool on PostgreSQL, and the embedded database through pg-boss's
 * PGlite adapter. Jobs are rows, so they survive a restart: a job whose worker
 * died stops sending heartbeats and pg-boss retries or fails it.
 */
const globalForJobs = globalThis as unknown as { parleyJobs?: { db: Database; boss: Promise<PgBoss> } };

export async function jobs(): Promise<PgBoss> {
  const db = await database();
  if (globalForJobs.parleyJobs?.db !== db) {
    globalForJobs.parleyJobs = { db, boss: startBoss(db) };
    globalForJobs.parleyJobs.boss.catch(() => {
      if (globalForJobs.parleyJobs?.db === db) globalForJobs.parleyJobs = undefined;
    });
  }
  return globalForJobs.parleyJobs.boss;
}

async function startBoss(db: Database): Promise<PgBoss> {
  const common = { schema: "pgboss", superviseIntervalSeconds: 10, monitorIntervalSeconds: 10 } as const;
  const boss =
    db.kind === "pglite"
      ? new PgBoss({ ...common, db: fromPglite(db.pglite!), backend: "pglite" })
      : new PgBoss({ ...common, connectionString: db.url!, max: 4 });
  boss.on("error", (error: Error) => console.warn(`[parley] job queue: ${error.message}`));
  try {
    await boss.start();
  } catch (error) {
    // A start that failed halfway (the database went away) may hold a pool and timers: release
    // them, so the next jobs() call (a retry once the database is back) starts clean.
    await boss.stop({ graceful: false, close: true }).catch(() => {});
    throw error;
  }
  return boss;
}

/** Stops the job runner (tests, shutdown): running jobs get `timeoutMs` to finish. */
export async function stopJobs(timeoutMs = 5_000): Promise<void> {
  const current = globalForJobs.parleyJobs;
  globalForJobs.parleyJobs = undefined;
  if (!current) return;
  const boss = await current.boss.catch(() => undefined);
  await boss?.stop({ graceful: true, timeout: timeoutMs, close: true }).catch(() => {});
}
