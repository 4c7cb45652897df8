// The embedded database's own thread: PGlite (Postgres compiled to WASM) runs
// here so its query execution never blocks the event loop that streams
// answers. Messages come from lib/db/pglite-thread-client.ts.
import { parentPort, workerData } from "node:worker_threads";
import { PGlite } from "@electric-sql/pglite";
import { vector } from "@electric-sql/pglite-pgvector";

const ERROR_FIELDS = [
  "severity", "code", "detail", "hint", "position", "internalPosition", "internalQuery", "where",
  "schema", "table", "column", "dataType", "constraint", "file", "line", "routine",
];

const db = await PGlite.create(workerData.dataDir, {
  extensions: { vector },
  postgresqlconf: [`shared_buffers = ${workerData.sharedBuffers}`],
});
/** Open transactions: id -> { tx, end(), chain } */
const transactions = new Map();

/** Columns whose parser lives in the main thread come back as the server's text. */
function rawParsers(oids) {
  return oids ? Object.fromEntries(oids.map((oid) => [oid, (value) => value])) : undefined;
}

function serializeError(error) {
  const out = { message: error?.message ?? String(error), name: error?.name, database: false };
  if (error && typeof error === "object" && "code" in error) {
    out.database = true;
    for (const field of ERROR_FIELDS) if (error[field] !== undefined) out[field] = error[field];
  }
  return out;
}

async function handle(message) {
  const inTransaction = message.txId && message.op !== "begin";
  const target = inTransaction ? transactions.get(message.txId)?.tx : db;
  if (!target) throw new Error(`transaction ${message.txId} is not open`);
  switch (message.op) {
    case "query":
      return target.query(message.sql, message.params, { rowMode: message.rowMode, parsers: rawParsers(message.rawOids) });
    case "exec":
      return target.exec(message.sql, { rowMode: message.rowMode, parsers: rawParsers(message.rawOids) });
    case "begin":
      return new Promise((ready, failed) => {
        db.transaction(
          (tx) =>
            new Promise((end) => {
              transactions.set(message.txId, { tx, end, chain: Promise.resolve() });
              ready(null);
            }),
        )
          .catch(failed)
          .finally(() => transactions.delete(message.txId));
      });
    case "rollback":
      return target.rollback();
    case "end": {
      // Commits unless the transaction was rolled back; resolves when it is over.
      const open = transactions.get(message.txId);
      open.end();
      while (transactions.has(message.txId)) await new Promise((r) => setImmediate(r));
      return null;
    }
    case "refreshArrayTypes":
      // Array types of enums created since the database opened (a migration) are
      // unknown to PGlite's serializer until it reads them again.
      await db.refreshArrayTypes();
      return null;
    case "close":
      await db.close();
      return null;
    default:
      throw new Error(`unknown op ${message.op}`);
  }
}

parentPort.on("message", (message) => {
  // Operations of one transaction run strictly in order; others run as they come
  // (PGlite serializes them itself).
  const open = message.txId ? transactions.get(message.txId) : undefined;
  const run = () => handle(message);
  const result = open ? (open.chain = open.chain.then(run, run)) : run();
  result.then(
    (value) => parentPort.postMessage({ id: message.id, value }),
    (error) => parentPort.postMessage({ id: message.id, error: serializeError(error) }),
  );
});

parentPort.postMessage({ ready: true });
