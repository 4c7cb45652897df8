import { notFound } from "../../http/errors";
import { prisma } from "../client";
import type { UserRow } from "./users";

export interface SessionRow {
  id: string;
  createdAt: Date;
  lastSeenAt: Date;
  userAgent: string | null;
}

export interface ActiveSession {
  id: string;
  lastSeenAt: Date;
  user: UserRow;
}

const rowSelect = { id: true, createdAt: true, lastSeenAt: true, userAgent: true } as const;

/**
 * A new session for a sign-in. The user's dead sessions (revoked, or unseen
 * for longer than a cookie lives) are deleted on the way, so the table stays
 * about as large as the number of signed-in browsers.
 */
export async function insertSession(
  userId: string,
  { userAgent, maxAgeMs }: { userAgent: string | null; maxAgeMs: number },
): Promise<SessionRow> {
  const db = await prisma();
  await db.session.deleteMany({
    where: { userId, OR: [{ revokedAt: { not: null } }, { lastSeenAt: { lt: new Date(Date.now() - maxAgeMs) } }] },
  });
  return db.session.create({ data: { userId, userAgent }, select: rowSelect });
}

/** The session with its user, or null when it does not exist or was revoked. */
export async function findActiveSession(id: string): Promise<ActiveSession | null> {
  const db = await prisma();
  const row = await db.session.findUnique({
    where: { id },
    select: { id: true, lastSeenAt: true, revokedAt: true, user: { select: { id: true, email: true, role: true } } },
  });
  if (!row || row.revokedAt) return null;
  return { id: row.id, lastSeenAt: row.lastSeenAt, user: row.user };
}

export async function touchSession(id: string, at: Date): Promise<void> {
  const db = await prisma();
  await db.session.updateMany({ where: { id, revokedAt: null }, data: { lastSeenAt: at } });
}

/** A user's live sessions, most recently used first. */
export async function listActiveSessions(userId: string, seenSince: Date): Promise<SessionRow[]> {
  const db = await prisma();
  return db.session.findMany({
    where: { userId, revokedAt: null, lastSeenAt: { gte: seenSince } },
    orderBy: [{ lastSeenAt: "desc" }, { createdAt: "desc" }],
    select: rowSelect,
  });
}

/** Revokes one of the user's sessions; 404 when it is not theirs or already ended. */
export async function revokeUserSession(userId: string, id: string): Promise<void> {
  const db = await prisma();
  const { count } = await db.session.updateMany({ where: { id, userId, revokedAt: null }, data: { revokedAt: new Date() } });
  if (count === 0) throw notFound("Session");
}

/** Revokes every live session of the user except `keepId`; returns the ids it ended. */
export async function revokeUserSessionsExcept(userId: string, keepId: string | undefined): Promise<string[]> {
  const db = await prisma();
  const where = { userId, revokedAt: null, ...(keepId ? { id: { not: keepId } } : {}) };
  const rows = await db.session.updateManyAndReturn({ where, data: { revokedAt: new Date() }, select: { id: true } });
  return rows.map((row) => row.id);
}
