import { afterAll, beforeAll, expect, it } from "vitest";
import { createUser } from "../../lib/auth/users";
import { insertChunks } from "../../lib/db/queries/chunks";
import { personalCollectionId } from "../../lib/db/queries/collections";
import { insertDocument } from "../../lib/db/queries/documents";
import { analyzeIfStale, noteChunksChanged } from "../../lib/rag/ingest/statistics";
import { openTestDatabase, type TestDatabase } from "../helpers/db";

let test: TestDatabase;
beforeAll(async () => {
  test = await openTestDatabase("pglite");
});
afterAll(() => test.close());

it("refreshes the embedded database's planner statistics once enough chunks changed, not on every document", async () => {
  const user = await createUser({ email: "stats@example.com", password: "correct horse battery" });
  const collectionId = await personalCollectionId(user.id);
  const document = await insertDocument({ collectionId, uploadedById: user.id, name: "s.txt", kind: "text", bytes: new Uint8Array([1]), sha256: "x" });
  const chunks = Array.from({ length: 120 }, (_, i) => ({ text: `lock ${i}`, start: 0, end: 1, headingPath: [], tokens: 2 }));
  await insertChunks(document.id, collectionId, "s.txt", chunks);
  const statistics = () => test.db.sql.query(`SELECT 1 FROM pg_stats WHERE tablename = 'Chunk' AND attname = 'collectionId'`);
  expect(await statistics()).toEqual([]);

  noteChunksChanged(120);
  expect(await analyzeIfStale()).toBe(true);
  expect((await statistics()).length).toBe(1);

  noteChunksChanged(5); // under 50 + 10 % of 120 rows
  expect(await analyzeIfStale()).toBe(false);
});
