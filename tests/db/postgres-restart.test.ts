import { afterAll, beforeAll, expect, it } from "vitest";
import { describeEachBackend, openTestDatabase, type TestDatabase } from "../helpers/db";

describeEachBackend("a lost database connection", (backend) => {
  let test: TestDatabase;
  beforeAll(async () => {
    test = await openTestDatabase(backend);
  });
  afterAll(() => test.close());

  it("does not crash the process, and the next query works", async () => {
    const { sql } = test.db;
    await sql.query("SELECT 1");
    if (backend === "postgres") {
      // What a server restart does to idle connections: terminate them.
      const [current] = await sql.query<{ db: string }>("SELECT current_database() AS db");
      const { Client } = await import("pg");
      const admin = new Client({ connectionString: process.env.TEST_DATABASE_URL });
      await admin.connect();
      await admin.query(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()",
        [current!.db],
      );
      await admin.end();
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    const rows = await sql.query<{ n: number }>("SELECT 41 + 1 AS n");
    expect(rows[0]!.n).toBe(42);
  });
});
