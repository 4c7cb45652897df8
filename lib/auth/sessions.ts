import {
  findActiveSession,
  insertSession,
  listActiveSessions,
  revokeUserSession,
  revokeUserSessionsExcept,
  touchSession,
} from "../db/queries/sessions";
import { describeDevice } from "./device";
import { TtlCache } from "./ttl-cache";
import type { AuthUser } from "./users";

/** How long a session cookie lives without use (Auth.js re-issues it on use). */
export const SESSION_MAX_AGE_S = 30 * 24 * 60 * 60;

/** lastSeenAt is written at most this often per session: no write on every request. */
const TOUCH_EVERY_MS = 60_000;

/**
 * Live sessions read in the last few seconds, so a busy browser does not cost
 * a database read per request. Revoking a session in this process drops its
 * entry at once; another Parley process sharing the database still accepts
 * the cookie until its own entry expires, at most CACHE_TTL_MS later.
 */
const CACHE_TTL_MS = 5_000;
const cache = new TtlCache<string, AuthUser>(CACHE_TTL_MS);

/** Records a sign-in; its id goes into the session cookie. */
export async function startSession(userId: string, userAgent: string | null): Promise<string> {
  const session = await insertSession(userId, {
    userAgent: userAgent?.slice(0, 512) ?? null,
    maxAgeMs: SESSION_MAX_AGE_S * 1000,
  });
  return session.id;
}

/** The user of a live session, or null when the session was revoked, deleted or never existed. */
export async function sessionUser(sessionId: string): Promise<AuthUser | null> {
  const cached = cache.get(sessionId);
  if (cached) return cached;
  const session = await findActiveSession(sessionId);
  if (!session) return null;
  cache.set(sessionId, session.user);
  const now = Date.now();
  if (now - session.lastSeenAt.getTime() > TOUCH_EVERY_MS) {
    void touchSession(sessionId, new Date(now)).catch((error) => console.warn("[auth] could not record session use", error));
  }
  return session.user;
}

export interface SessionSummary {
  id: string;
  /** "Firefox on Linux", from the User-Agent at sign-in. */
  device: string;
  createdAt: Date;
  lastSeenAt: Date;
  /** The session this request was made with. */
  current: boolean;
}

export async function listSessions(userId: string, currentId: string | undefined): Promise<SessionSummary[]> {
  const rows = await listActiveSessions(userId, new Date(Date.now() - SESSION_MAX_AGE_S * 1000));
  return rows.map((row) => ({
    id: row.id,
    device: describeDevice(row.userAgent),
    createdAt: row.createdAt,
    lastSeenAt: row.lastSeenAt,
    current: row.id === currentId,
  }));
}

/** Ends one of the user's sessions (404 when it is not theirs or already ended). */
export async function endSession(userId: string, sessionId: string): Promise<void> {
  await revokeUserSession(userId, sessionId);
  cache.delete(sessionId);
}

/** Ends every session of the user but `keepId` (all of them without one); returns how many. */
export async function endOtherSessions(userId: string, keepId: string | undefined): Promise<number> {
  const ended = await revokeUserSessionsExcept(userId, keepId);
  for (const id of ended) cache.delete(id);
  return ended.length;
}
