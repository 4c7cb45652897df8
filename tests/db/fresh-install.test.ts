import { randomUUID } from "node:crypto";
import fs from "node:fs/promises";
import path from "node:path";
import { afterAll, expect, inject, it } from "vitest";
import { openDatabase, useDatabase, type Database } from "../../lib/db/client";
import { personalCollectionId } from "../../lib/db/queries/collections";
import { insertDocument, unfinishedDocumentIds, updateDocument } from "../../lib/db/queries/documents";
import { createUser } from "../../lib/auth/users";

/**
 * A first start on an empty embedded database: the migrations run in the same
 * session as the first queries. (Other tests copy an already-migrated folder,
 * which cannot catch what only a fresh install does.)
 */
let db: Database | undefined;
const dir = path.join(inject("testRunDir"), `fresh-${randomUUID()}`);
afterAll(async () => {
  useDatabase(undefined);
  await db?.close();
  await fs.rm(dir, { recursive: true, force: true });
});

it("a fresh embedded database can queue and update documents in the session that migrated it", async () => {
  db = await openDatabase({ url: "", dataDir: dir });
  useDatabase(db);
  const user = await createUser({ email: "fresh@example.com", password: "correct horse battery" });
  const document = await insertDocument({
    collectionId: await personalCollectionId(user.id),
    uploadedById: user.id,
    name: "a.txt",
    kind: "text",
    bytes: new TextEncoder().encode("hello"),
    sha256: "x",
  });
  // Enum arrays as parameters: PGlite must know the array type the migration just created.
  expect(await unfinishedDocumentIds()).toEqual([document.id]);
  expect((await updateDocument(document.id, { status: "extracting" }))?.status).toBe("extracting");
  const rows = await db.sql.query<{ n: number }>(`SELECT cardinality($1::"DocumentStatus"[]) AS n`, [["queued", "indexed"]]);
  expect(rows[0]!.n).toBe(2);
}, 60_000);
