/**
 * A Parley process for the multi-instance and crash tests: serves the app's
 * routes on 127.0.0.1 (a port of its own) and starts what the real server's
 * instrumentation.ts starts that chat answers depend on: the database (opened
 * and migrated before the first request) and the interrupted-answer recovery.
 * Prints `LISTENING <url> <database kind>` once it serves, then runs until it
 * is killed. The database, Redis, model and answer timings come from the
 * environment (DATABASE_URL or DATA_DIR, REDIS_URL, LLM_BASE_URL, ANSWER_*_MS...).
 *
 * With WAIT_FOR_GO=1 it loads its code, prints `LOADED`, and opens nothing
 * until a line arrives on stdin: a test can have the next process ready while
 * the previous one still holds the embedded database.
 */
import readline from "node:readline";
import { startAnswerRecovery } from "../../lib/chat/recovery";
import { database } from "../../lib/db/client";
import { ROUTES } from "./app";
import { serveRoutes } from "./route-server";

if (process.env.WAIT_FOR_GO === "1") {
  console.log("LOADED");
  const lines = readline.createInterface({ input: process.stdin });
  await new Promise((resolve) => lines.once("line", resolve));
  lines.close();
}
const db = await database();
startAnswerRecovery();
const server = await serveRoutes(ROUTES);
console.log(`LISTENING ${server.url} ${db.kind}`);
