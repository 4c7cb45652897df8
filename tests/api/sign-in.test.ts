import bcrypt from "bcryptjs";
import { CredentialsSignin } from "next-auth";
import { afterAll, beforeAll, expect, it, vi } from "vitest";
import { createUser } from "../../lib/auth/users";
import { openTestDatabase, type TestDatabase } from "../helpers/db";
import { inProcess, trySignIn } from "../helpers/session";

/** Sign-in through Auth.js's real credentials endpoint (its route handlers, called in this process). */
let database: TestDatabase;
const EMAIL = "known@example.com";
const PASSWORD = "correct horse battery";

beforeAll(async () => {
  database = await openTestDatabase("pglite");
  await createUser({ email: EMAIL, password: PASSWORD });
});
afterAll(() => database.close());

async function timed(email: string, password: string): Promise<number> {
  const started = performance.now();
  const cookie = await trySignIn(email, password, { transport: inProcess });
  const elapsed = performance.now() - started;
  expect(cookie).toBeNull();
  return elapsed;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

it("takes as long for an unknown email (or invalid input) as for a known email with a wrong password", async () => {
  // Warm up: first calls pay for module loading and the database's first queries.
  await timed(EMAIL, "wrong password 0");
  await timed("nobody-0@example.com", "wrong password 0");

  const known: number[] = [];
  const unknown: number[] = [];
  const invalid: number[] = [];
  // Interleaved, so a burst of load on the machine hits every kind alike.
  for (let i = 1; i <= 11; i++) {
    known.push(await timed(EMAIL, `wrong password ${i}`));
    unknown.push(await timed(`nobody-${i}@example.com`, `wrong password ${i}`));
    invalid.push(await timed("not an email", `wrong password ${i}`));
  }
  const ratio = median(known) / median(unknown);
  expect(ratio, `median known ${median(known).toFixed(1)} ms, unknown ${median(unknown).toFixed(1)} ms`).toBeGreaterThan(0.5);
  expect(ratio).toBeLessThan(2);
  const invalidRatio = median(known) / median(invalid);
  expect(invalidRatio, `median known ${median(known).toFixed(1)} ms, invalid ${median(invalid).toFixed(1)} ms`).toBeGreaterThan(0.5);
  expect(invalidRatio).toBeLessThan(2);
});

it("logs nothing for a wrong password, also with the class names a production build minifies", async () => {
  // `next build` renames classes: there the error's name is "_" rather than
  // "CredentialsSignin" (seen in the e2e server's log). Do the same here.
  const name = Object.getOwnPropertyDescriptor(CredentialsSignin, "name")!;
  Object.defineProperty(CredentialsSignin, "name", { value: "_" });
  const printed: string[] = [];
  const capture = (...args: unknown[]) => void printed.push(args.map((a) => (a instanceof Error ? `${a.name}: ${a.message}\n${a.stack}` : String(a))).join(" "));
  const spies = (["error", "warn", "log", "info"] as const).map((level) => vi.spyOn(console, level).mockImplementation(capture));
  try {
    expect(await trySignIn(EMAIL, "not the password", { transport: inProcess })).toBeNull();
    expect(await trySignIn("nobody@example.com", "not the password", { transport: inProcess })).toBeNull();
  } finally {
    for (const spy of spies) spy.mockRestore();
    Object.defineProperty(CredentialsSignin, "name", name);
  }
  expect(printed).toEqual([]);
});

it("still signs in accounts whose password was hashed with bcrypt, and stores a new hash then", async () => {
  const legacy = await database.db.prisma.user.create({
    data: { email: "legacy@example.com", passwordHash: await bcrypt.hash("old style password", 10) },
  });
  expect(await trySignIn(legacy.email, "wrong password", { transport: inProcess })).toBeNull();
  expect((await database.db.prisma.user.findUniqueOrThrow({ where: { id: legacy.id } })).passwordHash).toMatch(/^\$2/);

  expect(await trySignIn(legacy.email, "old style password", { transport: inProcess })).not.toBeNull();
  const stored = (await database.db.prisma.user.findUniqueOrThrow({ where: { id: legacy.id } })).passwordHash;
  expect(stored).toMatch(/^scrypt\$/);
  expect(await trySignIn(legacy.email, "old style password", { transport: inProcess })).not.toBeNull();
});
