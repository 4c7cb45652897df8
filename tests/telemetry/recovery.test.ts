import { randomUUID } from "node:crypto";
import { afterEach, expect, it, vi } from "vitest";
import { sql } from "../../lib/db/client";
import { startTracePruning, stopTracePruning } from "../../lib/telemetry/prune";
import { Trace } from "../../lib/telemetry/trace";
import { flushTraces, traceWriter } from "../../lib/telemetry/trace-writer";
import { waitFor } from "../helpers/app";
import { describeEachBackend } from "../helpers/db";
import { interruptibleDatabase, type InterruptibleDatabase } from "../helpers/outage";

const DAY = 24 * 60 * 60 * 1000;

async function traceCount(ids: string[]): Promise<number> {
  const [row] = await (await sql()).query<{ n: number }>(`SELECT count(*)::int AS n FROM "RequestTrace" WHERE id = ANY($1::text[])`, [ids]);
  return row!.n;
}

describeEachBackend("telemetry while the database is away", (backend) => {
  let database: InterruptibleDatabase | undefined;

  afterEach(async () => {
    stopTracePruning();
    vi.restoreAllMocks();
    await database?.close();
  });

  it("keeps the traces written meanwhile and saves them once it is back", async () => {
    database = await interruptibleDatabase(backend);
    await database.down();
    const trace = new Trace("chat", "api");
    trace.start("auth")();
    trace.save("ok");
    await flushTraces(); // the database is away: nothing can be written yet
    await database.up();
    await waitFor(async () => (await traceCount([trace.id])) === 1, 30_000);
  }, 60_000);

  it("prunes once the database is back instead of waiting for the next hour", async () => {
    database = await interruptibleDatabase(backend);
    const old = Array.from({ length: 3 }, () => ({
      id: randomUUID(),
      kind: "chat" as const,
      source: "api" as const,
      outcome: "ok" as const,
      startedAt: new Date(Date.now() - 90 * DAY),
      totalMs: 10,
      retrieval: false,
      stages: [],
    }));
    for (const trace of old) traceWriter().add(trace);
    await flushTraces();
    const ids = old.map((trace) => trace.id);
    expect(await traceCount(ids)).toBe(3);

    const warn = vi.spyOn(console, "warn");
    await database.down();
    startTracePruning({ firstRunMs: 0, retryBaseMs: 100 });
    await waitFor(async () => warn.mock.calls.filter(([line]) => /database is unreachable/.test(String(line))).length >= 2, 30_000);
    await database.up();
    await waitFor(async () => (await traceCount(ids)) === 0, 30_000);
  }, 60_000);
});
