import { randomUUID } from "node:crypto";
import type { AuthUser } from "../../auth/users";
import { badRequest, forbidden, notFound } from "../../http/errors";
import { prisma, sql } from "../client";

export interface CollectionView {
  id: string;
  name: string;
  shared: boolean;
  everyone: boolean;
  /** The signed-in user may upload to it and delete its documents. */
  writable: boolean;
  documentCount: number;
  /** Emails granted read access (shared collections, admins only). */
  grants?: string[];
}

/**
 * The SQL condition "collection c may be read by user $1": their own, shared
 * with everyone, granted to them, or any shared collection for an admin.
 * Every knowledge query that reads documents or chunks goes through it.
 */
export const READABLE_BY_USER = `(
  c."ownerId" = $1
  OR (c.shared AND (c.everyone
    OR EXISTS (SELECT 1 FROM "CollectionGrant" g WHERE g."collectionId" = c.id AND g."userId" = $1)
    OR EXISTS (SELECT 1 FROM "User" u WHERE u.id = $1 AND u.role = 'admin')))
)`;

const PERSONAL_NAME = "My documents";

/** The user's own default collection, created on first use. */
export async function personalCollectionId(userId: string): Promise<string> {
  const db = await sql();
  const existing = await db.query<{ id: string }>(
    `SELECT id FROM "Collection" WHERE "ownerId" = $1 AND NOT shared ORDER BY "createdAt" LIMIT 1`,
    [userId],
  );
  if (existing[0]) return existing[0].id;
  return db.transaction(async (tx) => {
    // One personal collection per user even when two uploads race for it.
    await tx.query(`SELECT pg_advisory_xact_lock(hashtext($1))`, [`collection:${userId}`]);
    const again = await tx.query<{ id: string }>(
      `SELECT id FROM "Collection" WHERE "ownerId" = $1 AND NOT shared ORDER BY "createdAt" LIMIT 1`,
      [userId],
    );
    if (again[0]) return again[0].id;
    const id = randomUUID();
    await tx.query(`INSERT INTO "Collection" (id, name, "ownerId") VALUES ($1, $2, $3)`, [id, PERSONAL_NAME, userId]);
    return id;
  });
}

/** Ids of every collection the user may read. */
export async function readableCollectionIds(userId: string): Promise<string[]> {
  const db = await sql();
  const rows = await db.query<{ id: string }>(`SELECT c.id FROM "Collection" c WHERE ${READABLE_BY_USER}`, [userId]);
  return rows.map((r) => r.id);
}

/**
 * Readable collections holding at least one searchable document: no rows means
 * no retrieval work. Each readable collection is probed for its first such
 * document (a scalar subquery with LIMIT 1: as EXISTS, the planner hashed
 * every document instead, ~5 ms per search at 2,000 documents).
 */
export async function searchableCollectionIds(userId: string): Promise<string[]> {
  const db = await sql();
  const rows = await db.query<{ id: string }>(
    `SELECT c.id FROM "Collection" c
     WHERE ${READABLE_BY_USER}
       AND (SELECT true FROM "Document" d WHERE d."collectionId" = c.id AND d."chunkCount" > 0
            AND d.status IN ('embedding', 'indexed') LIMIT 1)`,
    [userId],
  );
  return rows.map((r) => r.id);
}

export async function listCollections(user: AuthUser): Promise<CollectionView[]> {
  await personalCollectionId(user.id);
  const db = await sql();
  const rows = await db.query<{
    id: string;
    name: string;
    ownerId: string | null;
    shared: boolean;
    everyone: boolean;
    documentCount: number;
    grants: string[] | null;
  }>(
    `SELECT c.id, c.name, c."ownerId", c.shared, c.everyone,
            (SELECT count(*)::int FROM "Document" d WHERE d."collectionId" = c.id) AS "documentCount",
            CASE WHEN $2 THEN (SELECT array_agg(u.email ORDER BY u.email) FROM "CollectionGrant" g
                               JOIN "User" u ON u.id = g."userId" WHERE g."collectionId" = c.id) END AS grants
     FROM "Collection" c WHERE ${READABLE_BY_USER}
     ORDER BY c.shared, c."createdAt"`,
    [user.id, user.role === "admin"],
  );
  return rows.map((r) => ({
    id: r.id,
    name: r.name,
    shared: r.shared,
    everyone: r.everyone,
    writable: r.ownerId === user.id || (r.shared && user.role === "admin"),
    documentCount: r.documentCount,
    ...(user.role === "admin" && r.shared ? { grants: r.grants ?? [] } : {}),
  }));
}

/** The collection if the user may read it; 404 otherwise (never reveals that it exists). */
export async function readableCollection(user: AuthUser, collectionId: string) {
  const db = await sql();
  const rows = await db.query<{ id: string; ownerId: string | null; shared: boolean }>(
    `SELECT c.id, c."ownerId", c.shared FROM "Collection" c WHERE c.id = $2 AND ${READABLE_BY_USER}`,
    [user.id, collectionId],
  );
  if (!rows[0]) throw notFound("Collection");
  return rows[0];
}

/** The collection if the user may change it: their own, or a shared one for an admin. */
export async function writableCollection(user: AuthUser, collectionId: string) {
  const collection = await readableCollection(user, collectionId);
  const writable = collection.ownerId === user.id || (collection.shared && user.role === "admin");
  if (!writable) throw forbidden("Only an admin can change a shared collection.");
  return collection;
}

export async function createCollection(
  user: AuthUser,
  input: { name: string; shared?: boolean; everyone?: boolean },
): Promise<string> {
  if (input.shared && user.role !== "admin") throw forbidden("Only an admin can create a shared collection.");
  const db = await prisma();
  const created = await db.collection.create({
    data: input.shared
      ? { name: input.name, shared: true, everyone: input.everyone ?? false }
      : { name: input.name, ownerId: user.id },
  });
  return created.id;
}

export async function deleteCollection(user: AuthUser, collectionId: string): Promise<void> {
  await writableCollection(user, collectionId);
  const db = await prisma();
  await db.collection.delete({ where: { id: collectionId } });
}

/** Admin: lets the user with this email read a shared collection. */
export async function grantCollection(admin: AuthUser, collectionId: string, email: string): Promise<void> {
  const collection = await writableCollection(admin, collectionId);
  if (!collection.shared) throw badRequest("Only shared collections take grants.");
  const db = await prisma();
  const user = await db.user.findUnique({ where: { email: email.trim().toLowerCase() } });
  if (!user) throw notFound(`User ${email}`);
  await db.collectionGrant.upsert({
    where: { collectionId_userId: { collectionId, userId: user.id } },
    create: { collectionId, userId: user.id },
    update: {},
  });
}

export async function revokeGrant(admin: AuthUser, collectionId: string, email: string): Promise<void> {
  await writableCollection(admin, collectionId);
  const db = await prisma();
  const user = await db.user.findUnique({ where: { email: email.trim().toLowerCase() } });
  if (!user) throw notFound(`User ${email}`);
  await db.collectionGrant.deleteMany({ where: { collectionId, userId: user.id } });
}

export async function setCollectionAccess(admin: AuthUser, collectionId: string, everyone: boolean): Promise<void> {
  const collection = await writableCollection(admin, collectionId);
  if (!collection.shared) throw badRequest("Only shared collections can be opened to everyone.");
  const db = await prisma();
  await db.collection.update({ where: { id: collectionId }, data: { everyone } });
}
