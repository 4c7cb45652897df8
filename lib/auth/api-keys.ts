import { createHash, randomBytes } from "node:crypto";
import { prisma } from "../db/client";
import { notFound } from "../http/errors";
import { TtlCache } from "./ttl-cache";
import type { AuthUser } from "./users";

const KEY_PREFIX = "pk_";

export function hashApiKey(key: string): string {
  return createHash("sha256").update(key).digest("hex");
}

export interface ApiKeySummary {
  id: string;
  name: string;
  prefix: string;
  createdAt: Date;
  lastUsedAt: Date | null;
}

/** Creates a key and returns it in full exactly once; only its hash is stored. */
export async function createApiKey(userId: string, name: string): Promise<{ key: string; apiKey: ApiKeySummary }> {
  const key = KEY_PREFIX + randomBytes(24).toString("base64url");
  const db = await prisma();
  const apiKey = await db.apiKey.create({
    data: { userId, name, prefix: key.slice(0, 10), hash: hashApiKey(key) },
    select: { id: true, name: true, prefix: true, createdAt: true, lastUsedAt: true },
  });
  return { key, apiKey };
}

export async function listApiKeys(userId: string): Promise<ApiKeySummary[]> {
  const db = await prisma();
  return db.apiKey.findMany({
    where: { userId, revokedAt: null },
    orderBy: { createdAt: "desc" },
    select: { id: true, name: true, prefix: true, createdAt: true, lastUsedAt: true },
  });
}

export async function revokeApiKey(userId: string, id: string): Promise<void> {
  const db = await prisma();
  const { count } = await db.apiKey.updateMany({
    where: { id, userId, revokedAt: null },
    data: { revokedAt: new Date() },
  });
  if (count === 0) throw notFound("API key");
  keyCache.deleteWhere((entry) => entry.keyId === id);
}

interface CachedKey {
  keyId: string;
  user: AuthUser;
}

/**
 * Valid keys seen in the last few seconds, so a busy API client does not cost
 * a database read per request. Revoking a key in this process drops it at
 * once; another Parley process sharing the database notices within the TTL.
 */
const keyCache = new TtlCache<string, CachedKey>(10_000);

/** The user a bearer key belongs to, or null for an unknown or revoked key. */
export async function userForApiKey(key: string): Promise<AuthUser | null> {
  if (!key.startsWith(KEY_PREFIX)) return null;
  const hash = hashApiKey(key);
  const cached = keyCache.get(hash);
  if (cached) return cached.user;
  const db = await prisma();
  const row = await db.apiKey.findUnique({
    where: { hash },
    select: { id: true, revokedAt: true, lastUsedAt: true, user: { select: { id: true, email: true, role: true } } },
  });
  if (!row || row.revokedAt) return null;
  keyCache.set(hash, { keyId: row.id, user: row.user });
  // Record use at most once a minute: no write on every request.
  if (!row.lastUsedAt || Date.now() - row.lastUsedAt.getTime() > 60_000) {
    void db.apiKey.update({ where: { id: row.id }, data: { lastUsedAt: new Date() } }).catch(() => {});
  }
  return row.user;
}
