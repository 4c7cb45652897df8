import { afterAll, beforeAll, expect, it } from "vitest";
import { createUser } from "../../lib/auth/users";
import { Trace } from "../../lib/telemetry/trace";
import { flushTraces } from "../../lib/telemetry/trace-writer";
import { openTestDatabase, type TestDatabase } from "../helpers/db";

let test: TestDatabase;
beforeAll(async () => {
  test = await openTestDatabase("pglite");
});
afterAll(() => test.close());

it("stores queued traces in one flush, and one bad row does not lose the others", async () => {
  const user = await createUser({ email: "traced@example.com", password: "long enough" });
  const good = new Trace("chat", "ui");
  good.fields.userId = user.id;
  good.start("auth")();
  const orphan = new Trace("chat", "api");
  orphan.fields.userId = "a-user-deleted-before-the-flush";
  orphan.start("prompt_build")();
  good.save("ok");
  orphan.save("error");

  await flushTraces();
  const rows = await test.db.prisma.requestTrace.findMany({ include: { stages: true }, orderBy: { source: "asc" } });
  expect(rows.map((r) => [r.source, r.outcome, r.userId, r.stages.map((s) => s.name)])).toEqual([
    ["api", "error", null, ["prompt_build"]],
    ["ui", "ok", user.id, ["auth"]],
  ]);
  // Stored as the same instant (UTC), whatever the database's time zone.
  expect(Math.abs(rows[1]!.startedAt.getTime() - good.startedAt.getTime())).toBeLessThan(1);
  expect(rows[1]!.totalMs).toBeGreaterThan(0);
});
