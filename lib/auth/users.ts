import { z } from "zod";
import { prisma } from "../db/client";
import { HttpError } from "../http/errors";
import { hashPassword, verifyPassword } from "./password";
import { TtlCache } from "./ttl-cache";

export type Role = "user" | "admin";

export interface AuthUser {
  id: string;
  email: string;
  role: Role;
}

export const credentialsSchema = z.object({
  email: z
    .string()
    .trim()
    .toLowerCase()
    .max(254, "Email is too long.")
    .pipe(z.email("Enter a valid email address.")),
  password: z
    .string()
    .min(8, "Password must be at least 8 characters.")
    .max(200, "Password must be at most 200 characters."),
});

/**
 * Creates an account. The first account on a fresh install becomes admin; the
 * check and the insert run under one lock so two first sign-ups cannot both win.
 */
export async function createUser(input: { email: string; password: string; admin?: boolean }): Promise<AuthUser> {
  const { email, password } = credentialsSchema.parse(input);
  const passwordHash = await hashPassword(password);
  const db = await prisma();
  try {
    return await db.$transaction(async (tx) => {
      await tx.$executeRaw`SELECT pg_advisory_xact_lock(4242001)`;
      const first = (await tx.user.count()) === 0;
      const user = await tx.user.create({
        data: { email, passwordHash, role: first || input.admin ? "admin" : "user" },
        select: { id: true, email: true, role: true },
      });
      return user;
    });
  } catch (error) {
    if ((error as { code?: string }).code === "P2002") {
      throw new HttpError("conflict", "An account with that email already exists.");
    }
    throw error;
  }
}

export async function verifyCredentials(email: string, password: string): Promise<AuthUser | null> {
  const parsed = credentialsSchema.safeParse({ email, password });
  if (!parsed.success) return null;
  const db = await prisma();
  const user = await db.user.findUnique({ where: { email: parsed.data.email } });
  if (!user) return null;
  if (!(await verifyPassword(parsed.data.password, user.passwordHash))) return null;
  return { id: user.id, email: user.email, role: user.role };
}

/** Signed-in users seen in the last few seconds: a session costs no database read per request. */
const userCache = new TtlCache<string, AuthUser>(10_000);

/** The user with this id; a deleted user or a changed role shows within seconds. */
export async function findUser(id: string): Promise<AuthUser | null> {
  const cached = userCache.get(id);
  if (cached) return cached;
  const db = await prisma();
  const user = await db.user.findUnique({ where: { id }, select: { id: true, email: true, role: true } });
  if (user) userCache.set(id, user);
  return user;
}

export async function findUserByEmail(email: string): Promise<AuthUser | null> {
  const db = await prisma();
  return db.user.findUnique({
    where: { email: email.trim().toLowerCase() },
    select: { id: true, email: true, role: true },
  });
}

export async function userCount(): Promise<number> {
  return (await prisma()).user.count();
}
