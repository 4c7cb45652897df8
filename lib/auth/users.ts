import { z } from "zod";
import {
  countUsers,
  findUserById,
  findUserByEmail as findUserRowByEmail,
  findUserCredentials,
  insertUser,
  updatePasswordHash,
  type Role,
} from "../db/queries/users";
import { hashPassword, verifyNothing, verifyPassword } from "./password";
import { TtlCache } from "./ttl-cache";

export type { Role };

export interface AuthUser {
  id: string;
  email: string;
  role: Role;
}

export const passwordSchema = z
  .string()
  .min(8, "Password must be at least 8 characters.")
  .max(200, "Password must be at most 200 characters.");

export const credentialsSchema = z.object({
  email: z
    .string()
    .trim()
    .toLowerCase()
    .max(254, "Email is too long.")
    .pipe(z.email("Enter a valid email address.")),
  password: passwordSchema,
});

/**
 * Creates an account; a taken email is a 409. The first account on a fresh
 * install becomes admin, decided in the insert itself (insertUser), so any
 * number of racing sign-ups yield exactly one admin.
 */
export async function createUser(input: { email: string; password: string; admin?: boolean }): Promise<AuthUser> {
  const { email, password } = credentialsSchema.parse(input);
  const passwordHash = await hashPassword(password);
  return insertUser({ email, passwordHash, admin: input.admin === true });
}

/**
 * The account these credentials belong to, or null. Takes the same time
 * whether or not the email has an account (and for input that fails
 * validation): a password is checked against a dummy hash of the same cost.
 */
export async function verifyCredentials(email: string, password: string): Promise<AuthUser | null> {
  const parsed = credentialsSchema.safeParse({ email, password });
  if (!parsed.success) return verifyNothing(password.slice(0, 200)).then(() => null);
  const user = await findUserCredentials({ email: parsed.data.email });
  if (!user) return verifyNothing(parsed.data.password).then(() => null);
  return (await checkPassword(user, parsed.data.password)) ? { id: user.id, email: user.email, role: user.role } : null;
}

/** Whether `password` is this user's; an old-format hash is replaced on success. */
async function checkPassword(user: { id: string; passwordHash: string }, password: string): Promise<boolean> {
  const { ok, needsRehash } = await verifyPassword(password, user.passwordHash);
  if (ok && needsRehash) await updatePasswordHash(user.id, await hashPassword(password));
  return ok;
}

/** Whether `password` is the current password of this user (for changing it). */
export async function isCurrentPassword(userId: string, password: string): Promise<boolean> {
  const user = await findUserCredentials({ id: userId });
  if (!user) return verifyNothing(password);
  return checkPassword(user, password);
}

export async function setPassword(userId: string, password: string): Promise<void> {
  await updatePasswordHash(userId, await hashPassword(passwordSchema.parse(password)));
}

/** Signed-in users seen in the last few seconds: a key or session costs no database read per request. */
const userCache = new TtlCache<string, AuthUser>(10_000);

/** The user with this id; a deleted user or a changed role shows within seconds. */
export async function findUser(id: string): Promise<AuthUser | null> {
  const cached = userCache.get(id);
  if (cached) return cached;
  const user = await findUserById(id);
  if (user) userCache.set(id, user);
  return user;
}

export async function findUserByEmail(email: string): Promise<AuthUser | null> {
  return findUserRowByEmail(email.trim().toLowerCase());
}

export async function userCount(): Promise<number> {
  return countUsers();
}
