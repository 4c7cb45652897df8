import fs from "node:fs/promises";
import path from "node:path";
import { config } from "../config";
import { PrismaClient } from "./generated/client";
import { migrate, type SqlRunner } from "./migrate";
import { lockDataDir } from "./pglite-lock";
import type { PGliteThread } from "./pglite-thread-client";

export type Db = PrismaClient;

export interface Database {
  prisma: PrismaClient;
  sql: SqlRunner;
  kind: "pglite" | "postgres";
  /** PostgreSQL only: the connection string, for libraries that open their own pool (pg-boss). */
  url?: string;
  /** PGlite only: the embedded database itself, for libraries that take a PGlite (pg-boss). */
  pglite?: PGliteThread;
  close(): Promise<void>;
}

/**
 * Opens the database Parley runs on: PostgreSQL when a URL is given, else
 * embedded PGlite (with pgvector) in `<dataDir>/pglite`. Migrations are applied
 * before the client is handed out.
 */
export async function openDatabase(options: { url?: string; dataDir?: string } = {}): Promise<Database> {
  const url = options.url ?? config.databaseUrl;
  const database = url ? await openPostgres(url) : await openPglite(options.dataDir ?? config.dataDir);
  try {
    const applied = await migrate(database.sql);
    if (applied.length > 0) await database.pglite?.refreshArrayTypes();
  } catch (error) {
    await database.close();
    throw error;
  }
  return database;
}

async function openPostgres(url: string): Promise<Database> {
  const [{ Pool }, { PrismaPg }] = await Promise.all([import("pg"), import("@prisma/adapter-pg")]);
  const pool = new Pool({ connectionString: url, max: 10 });
  // An idle connection the server closes (restart, failover, admin) must not crash
  // the process: the pool drops it and opens a new one on the next query.
  pool.on("error", (error) => console.warn(`[parley] PostgreSQL connection lost: ${error.message}`));
  const prisma = new PrismaClient({ adapter: new PrismaPg(pool) });
  return {
    prisma,
    kind: "postgres",
    url,
    sql: {
      exec: async (text) => {
        await pool.query(text);
      },
      query: async <T>(text: string, params: unknown[] = []) => (await pool.query(text, params)).rows as T[],
      transaction: async (work) => {
        const client = await pool.connect();
        // A checked-out client has no pool listener: a connection the server drops mid-transaction
        // (a restart) would otherwise throw from an 'error' event and end the process.
        const lost = (error: Error) => console.warn(`[parley] PostgreSQL connection lost: ${error.message}`);
        client.on("error", lost);
        try {
          await client.query("BEGIN");
          const result = await work({
            exec: async (text) => {
              await client.query(text);
            },
            query: async <T>(text: string, params: unknown[] = []) =>
              (await client.query(text, params)).rows as T[],
          });
          await client.query("COMMIT");
          return result;
        } catch (error) {
          await client.query("ROLLBACK").catch(() => {});
          throw error;
        } finally {
          client.off("error", lost);
          client.release();
        }
      },
    },
    close: async () => {
      await prisma.$disconnect();
      await pool.end();
    },
  };
}

/**
 * Embedded PostgreSQL (PGlite, with pgvector) in `<dataDir>/pglite`, run in a
 * worker thread: its WASM query execution never blocks the event loop that
 * streams answers.
 */
async function openPglite(dataDir: string): Promise<Database> {
  const [{ PrismaPGlite }, { PGliteThread }] = await Promise.all([
    import("pglite-prisma-adapter"),
    import("./pglite-thread-client"),
  ]);
  const dir = path.join(dataDir, "pglite");
  await fs.mkdir(dir, { recursive: true });
  const sharedBuffers = config.embeddedSharedBuffers;
  const release = lockDataDir(dataDir);
  const pglite = new PGliteThread(dir, { sharedBuffers });
  try {
    await pglite.ready;
  } catch (error) {
    release();
    await pglite.close().catch(() => {});
    throw error;
  }
  const prisma = new PrismaClient({ adapter: new PrismaPGlite(pglite.asPGlite()) });
  return {
    prisma,
    kind: "pglite",
    pglite,
    sql: {
      exec: async (text) => {
        await pglite.exec(text);
      },
      query: async <T>(text: string, params: unknown[] = []) => (await pglite.query<T>(text, params)).rows,
      transaction: (work) =>
        pglite.transaction((tx) =>
          work({
            exec: async (text) => {
              await tx.exec(text);
            },
            query: async <T>(text: string, params: unknown[] = []) => (await tx.query<T>(text, params)).rows,
          }),
        ),
    },
    close: async () => {
      await prisma.$disconnect();
      await pglite.close();
      release();
    },
  };
}

const globalForDb = globalThis as unknown as { parleyDatabase?: Promise<Database> };

/** The process-wide database, opened (and migrated) on first use. */
export function database(): Promise<Database> {
  globalForDb.parleyDatabase ??= openDatabase().catch((error) => {
    globalForDb.parleyDatabase = undefined;
    throw error;
  });
  return globalForDb.parleyDatabase;
}

export async function prisma(): Promise<PrismaClient> {
  return (await database()).prisma;
}

/**
 * The driver itself, for the few queries on every chat turn: Prisma costs
 * about 1-1.5 ms of CPU a query on top of the database (measured with
 * PGlite), which at 50 turns a second is most of a core.
 */
export async function sql(): Promise<SqlRunner> {
  return (await database()).sql;
}

/** Lets tests run the app's code against a database they opened themselves. */
export function useDatabase(db: Database | undefined) {
  globalForDb.parleyDatabase = db ? Promise.resolve(db) : undefined;
}
