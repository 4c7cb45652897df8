/**
 * Throw-away databases for the retrieval evaluation and benchmarks: a fresh
 * embedded PGlite in a temporary folder, or (when a server URL is given) a new
 * database on that PostgreSQL server, dropped again afterwards. Either one is
 * migrated and installed as the app's database (`useDatabase`), so the app's
 * own query functions run against it.
 */
import { randomUUID } from "node:crypto";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { openDatabase, useDatabase, type Database } from "../lib/db/client";

export interface ScratchDatabase {
  db: Database;
  /** Where it lives, in words: "PGlite in /tmp/…" or "PostgreSQL database parley_eval_… on host". */
  where: string;
  close(): Promise<void>;
}

/**
 * Opens (and installs) a fresh database. `serverUrl`: a PostgreSQL connection
 * string; the run gets its own database there (CREATE DATABASE), dropped on close.
 * Without it: PGlite in a new temporary folder, removed on close.
 */
export async function openScratchDatabase(options: { serverUrl?: string; prefix: string }): Promise<ScratchDatabase> {
  if (options.serverUrl) return openScratchPostgres(options.serverUrl, options.prefix);
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), `${options.prefix}-`));
  let db: Database;
  try {
    db = await openDatabase({ url: "", dataDir: dir });
    // PGlite learns the database's array types when it opens, i.e. before the
    // migrations created the enums: in the process that created the database,
    // an enum array parameter ("DocumentStatus"[]) is sent as "a,b" and fails
    // with "malformed array literal". Reopening (~1 s) loads them.
    await db.close();
    db = await openDatabase({ url: "", dataDir: dir });
  } catch (error) {
    await fs.rm(dir, { recursive: true, force: true });
    throw error;
  }
  useDatabase(db);
  return {
    db,
    where: `PGlite in ${dir}`,
    close: async () => {
      useDatabase(undefined);
      await db.close().catch(() => {});
      await fs.rm(dir, { recursive: true, force: true });
    },
  };
}

async function openScratchPostgres(serverUrl: string, prefix: string): Promise<ScratchDatabase> {
  const { Client } = await import("pg");
  const name = `${prefix.replace(/[^a-z0-9]+/gi, "_").toLowerCase()}_${randomUUID().replaceAll("-", "").slice(0, 12)}`;
  const admin = new Client({ connectionString: serverUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const drop = async () => {
    const dropper = new Client({ connectionString: serverUrl });
    await dropper.connect();
    try {
      await dropper.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    } finally {
      await dropper.end();
    }
  };
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  let db: Database;
  try {
    db = await openDatabase({ url: url.toString() });
  } catch (error) {
    await drop().catch(() => {});
    throw error;
  }
  useDatabase(db);
  return {
    db,
    where: `PostgreSQL database ${name} on ${url.host}`,
    close: async () => {
      useDatabase(undefined);
      await db.close().catch(() => {});
      await drop();
    },
  };
}

/** Waits while a provider is still preparing (loading a model); returns its last status. */
export async function settledStatus<S extends { state: string }>(
  status: () => Promise<S>,
  timeoutMs = 180_000,
): Promise<S> {
  const until = Date.now() + timeoutMs;
  let current = await status();
  while (current.state === "preparing" && Date.now() < until) {
    await new Promise((resolve) => setTimeout(resolve, 250));
    current = await status();
  }
  return current;
}
