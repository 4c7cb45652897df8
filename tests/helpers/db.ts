import { randomUUID } from "node:crypto";
import fs from "node:fs/promises";
import path from "node:path";
import { describe, inject } from "vitest";
import { openDatabase, useDatabase, type Database } from "../../lib/db/client";
import { flushTraces } from "../../lib/telemetry/trace-writer";

export type Backend = "pglite" | "postgres";

/** PGlite always; PostgreSQL when TEST_DATABASE_URL points at a server. */
export const BACKENDS: Backend[] = ["pglite", "postgres"];

/**
 * Runs a suite once per database backend. Without TEST_DATABASE_URL the
 * PostgreSQL run is reported as skipped, never silently left out.
 */
export function describeEachBackend(name: string, suite: (backend: Backend) => void) {
  for (const backend of BACKENDS) {
    const missing = backend === "postgres" && !process.env.TEST_DATABASE_URL;
    describe.skipIf(missing)(`${name} on ${backend}${missing ? " (skipped: TEST_DATABASE_URL not set)" : ""}`, () =>
      suite(backend),
    );
  }
}

export interface TestDatabase {
  db: Database;
  close(): Promise<void>;
}

/**
 * A fresh, migrated database of the given kind, installed as the app's
 * database for this test file. PostgreSQL gets a new database on the server at
 * TEST_DATABASE_URL, dropped again on close.
 */
export async function openTestDatabase(backend: Backend): Promise<TestDatabase> {
  if (backend === "pglite") {
    const dir = await copyPgliteTemplate();
    const db = await openDatabase({ url: "", dataDir: dir });
    return install(db, () => fs.rm(dir, { recursive: true, force: true }));
  }
  const created = await createPostgresDatabase();
  const db = await openDatabase({ url: created.url });
  return install(db, created.drop);
}

/** A new, empty database on the server at TEST_DATABASE_URL, and how to drop it. */
export async function createPostgresDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const serverUrl = process.env.TEST_DATABASE_URL;
  if (!serverUrl) throw new Error("TEST_DATABASE_URL is not set");
  const name = `parley_test_${randomUUID().replaceAll("-", "").slice(0, 16)}`;
  const { Client } = await import("pg");
  const admin = new Client({ connectionString: serverUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      const dropper = new Client({ connectionString: serverUrl });
      await dropper.connect();
      await dropper.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await dropper.end();
    },
  };
}

/** A copy of the migrated PGlite template in this run's folder (not opened). */
export async function copyPgliteTemplate(prefix = "db"): Promise<string> {
  const dir = path.join(inject("testRunDir"), `${prefix}-${randomUUID()}`);
  await fs.cp(inject("pgliteTemplate"), dir, { recursive: true });
  await fs.rm(path.join(dir, "pglite.pid"), { force: true });
  return dir;
}

/**
 * A new database for a child Parley process (`env`), and how to open it in
 * the test afterwards (`open`; PGlite allows one process at a time). `cleanups`
 * gets what removes it.
 */
export async function childDatabase(backend: Backend, cleanups: Array<() => Promise<unknown>>, prefix = "child") {
  if (backend === "pglite") {
    const dir = await copyPgliteTemplate(prefix);
    cleanups.push(() => fs.rm(dir, { recursive: true, force: true }));
    return { env: { DATA_DIR: dir, DATABASE_URL: "" }, open: { url: "", dataDir: dir } };
  }
  const { url, drop } = await createPostgresDatabase();
  cleanups.push(drop);
  return { env: { DATABASE_URL: url }, open: { url } };
}

/** Makes `db` the app's database until closed; `cleanup` then removes it. */
function install(db: Database, cleanup: () => Promise<void>): TestDatabase {
  useDatabase(db);
  return {
    db,
    close: async () => {
      await flushTraces();
      useDatabase(undefined);
      await db.close();
      await cleanup();
    },
  };
}
