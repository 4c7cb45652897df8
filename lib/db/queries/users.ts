import { randomUUID } from "node:crypto";
import { conflict } from "../../http/errors";
import { prisma, sql } from "../client";

export type Role = "user" | "admin";

export interface UserRow {
  id: string;
  email: string;
  role: Role;
}

/**
 * Inserts an account in one statement that also decides its role: the first
 * account of an install takes the FirstUserClaim row and becomes admin. One
 * statement is atomic (a duplicate email rolls the claim back too) and holds
 * no interactive transaction open, which on the single embedded connection
 * queued every sign-up behind the others until Prisma's transaction timeout
 * (P2028) answered 500. Under READ COMMITTED a racing first sign-up waits on
 * the claim's primary key for the winner to commit or roll back, so exactly
 * one becomes admin. A taken email is a 409.
 */
export async function insertUser(input: { email: string; passwordHash: string; admin: boolean }): Promise<UserRow> {
  const db = await sql();
  try {
    const [user] = await db.query<UserRow>(
      `WITH claim AS (
         INSERT INTO "FirstUserClaim" ("id") VALUES (1) ON CONFLICT ("id") DO NOTHING RETURNING "id"
       )
       INSERT INTO "User" ("id", "email", "passwordHash", "role")
       SELECT $1, $2, $3, (CASE WHEN $4::boolean OR EXISTS (SELECT 1 FROM claim) THEN 'admin' ELSE 'user' END)::"Role"
       RETURNING "id", "email", "role"::text AS "role"`,
      [randomUUID(), input.email, input.passwordHash, input.admin],
    );
    return user!;
  } catch (error) {
    if ((error as { code?: string }).code === "23505") throw conflict("An account with that email already exists.");
    throw error;
  }
}

export async function findUserById(id: string): Promise<UserRow | null> {
  const db = await prisma();
  return db.user.findUnique({ where: { id }, select: { id: true, email: true, role: true } });
}

export async function findUserByEmail(email: string): Promise<UserRow | null> {
  const db = await prisma();
  return db.user.findUnique({ where: { email }, select: { id: true, email: true, role: true } });
}

/** The account and its password hash, for checking a password. */
export async function findUserCredentials(where: { email: string } | { id: string }) {
  const db = await prisma();
  return db.user.findUnique({ where, select: { id: true, email: true, role: true, passwordHash: true } });
}

export async function updatePasswordHash(userId: string, passwordHash: string): Promise<void> {
  const db = await prisma();
  await db.user.update({ where: { id: userId }, data: { passwordHash } });
}

export async function countUsers(): Promise<number> {
  return (await prisma()).user.count();
}
