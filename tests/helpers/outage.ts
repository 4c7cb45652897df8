import { spawn } from "node:child_process";
import fs from "node:fs/promises";
import path from "node:path";
import { openDatabase, useDatabase, type Database } from "../../lib/db/client";
import { copyPgliteTemplate, createPostgresDatabase, type Backend } from "./db";
import { tcpGate } from "./tcp-gate";

/**
 * Databases that are unreachable for a while, as the app sees them:
 * PostgreSQL behind a port that refuses connections (tcp-gate.ts), and an
 * embedded database whose folder another live process holds, or whose thread
 * has closed.
 */

function postgresPort(): number {
  return Number(new URL(process.env.TEST_DATABASE_URL!).port || 5432);
}

/** A fresh database that cannot be reached until `end()`: what the app's environment should point at meanwhile. */
export interface StartupOutage {
  env: Record<string, string>;
  end(): Promise<void>;
  cleanup(): Promise<void>;
}

export async function downAtStart(backend: Backend): Promise<StartupOutage> {
  if (backend === "postgres") {
    const created = await createPostgresDatabase();
    const gate = await tcpGate({ host: "127.0.0.1", port: postgresPort() });
    return {
      env: { DATABASE_URL: gate.through(created.url) },
      end: () => gate.open(),
      cleanup: async () => {
        await gate.close();
        await created.drop();
      },
    };
  }
  const dir = await copyPgliteTemplate("outage");
  const holder = spawn("sleep", ["600"]);
  await fs.writeFile(path.join(dir, "pglite.pid"), String(holder.pid));
  const exited = new Promise((resolve) => holder.once("exit", resolve));
  return {
    env: { DATABASE_URL: "", DATA_DIR: dir },
    end: async () => {
      holder.kill("SIGKILL");
      await exited;
    },
    cleanup: async () => {
      holder.kill("SIGKILL");
      await fs.rm(dir, { recursive: true, force: true });
    },
  };
}

/** A fresh, migrated database installed as the app's, that can go away (`down`) and come back (`up`). */
export interface InterruptibleDatabase {
  down(): Promise<void>;
  up(): Promise<void>;
  close(): Promise<void>;
}

export async function interruptibleDatabase(backend: Backend): Promise<InterruptibleDatabase> {
  let db: Database;
  if (backend === "postgres") {
    const created = await createPostgresDatabase();
    const gate = await tcpGate({ host: "127.0.0.1", port: postgresPort() });
    await gate.open();
    db = await openDatabase({ url: gate.through(created.url) });
    useDatabase(db);
    return {
      down: () => gate.close(),
      up: () => gate.open(),
      close: async () => {
        useDatabase(undefined);
        await gate.open().catch(() => {});
        await db.close();
        await gate.close();
        await created.drop();
      },
    };
  }
  const dir = await copyPgliteTemplate("interrupted");
  db = await openDatabase({ url: "", dataDir: dir });
  useDatabase(db);
  let open = true;
  return {
    // The installed database stays, closed: every query fails as after its thread died.
    down: async () => {
      await db.close();
      open = false;
    },
    up: async () => {
      db = await openDatabase({ url: "", dataDir: dir });
      open = true;
      useDatabase(db);
    },
    close: async () => {
      useDatabase(undefined);
      if (open) await db.close();
      await fs.rm(dir, { recursive: true, force: true });
    },
  };
}
