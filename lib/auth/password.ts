import { availableParallelism } from "node:os";
import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from "node:crypto";
import bcrypt from "bcryptjs";

/**
 * Password hashes: scrypt from node:crypto, which runs in libuv's thread pool.
 * bcryptjs (cost 10, pure JavaScript) ran on the event loop: 20 sign-ins at
 * once held it for ~1.3 s here, stalling every stream and request meanwhile;
 * the same 20 scrypt hashes left it free (largest timer delay ~4 ms).
 *
 * Stored as `scrypt$<log2 N>$<r>$<p>$<salt>$<key>` (base64url), so the cost
 * can be raised later without breaking old hashes. bcrypt hashes ($2a$/$2b$)
 * from earlier versions still verify and are replaced after a successful
 * sign-in (`needsRehash`).
 */
const LOG_N = 15;
const R = 8;
const P = 1;
const KEY_BYTES = 32;
const SALT_BYTES = 16;

/**
 * At most this many hashes at once: the thread pool (4 threads by default)
 * also serves file reads and DNS, which a burst of 100 sign-ins must not
 * starve; more hashes at once than cores would not finish sooner anyway.
 */
const MAX_CONCURRENT = Math.max(1, Math.min(availableParallelism(), 3));

export interface PasswordCheck {
  ok: boolean;
  /** The hash is not in the current format or cost: store a new one. */
  needsRehash: boolean;
}

export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(SALT_BYTES);
  const key = await derive(password, salt, { N: 2 ** LOG_N, r: R, p: P });
  return ["scrypt", LOG_N, R, P, salt.toString("base64url"), key.toString("base64url")].join("$");
}

export async function verifyPassword(password: string, stored: string): Promise<PasswordCheck> {
  if (stored.startsWith("$2")) return { ok: await bcrypt.compare(password, stored), needsRehash: true };
  const parsed = parseScrypt(stored);
  if (!parsed) return { ok: false, needsRehash: true };
  const key = await derive(password, parsed.salt, { N: 2 ** parsed.logN, r: parsed.r, p: parsed.p });
  const ok = key.length === parsed.key.length && timingSafeEqual(key, parsed.key);
  return { ok, needsRehash: parsed.logN !== LOG_N || parsed.r !== R || parsed.p !== P };
}

/**
 * Costs what checking a real password costs, and always fails: for sign-ins
 * with an unknown email or invalid input, so the answer's timing does not
 * tell which emails have accounts.
 */
export async function verifyNothing(password: string): Promise<false> {
  await verifyPassword(password, DUMMY_HASH);
  return false;
}

// Any salt and key of the right sizes: only the work of deriving matters.
const DUMMY_HASH = ["scrypt", LOG_N, R, P, "A".repeat(22), "A".repeat(43)].join("$");

function parseScrypt(stored: string) {
  const [scheme, logN, r, p, salt, key] = stored.split("$");
  if (scheme !== "scrypt" || !salt || !key) return null;
  const params = { logN: Number(logN), r: Number(r), p: Number(p) };
  if (![params.logN, params.r, params.p].every((n) => Number.isInteger(n) && n > 0) || params.logN > 20) return null;
  return { ...params, salt: Buffer.from(salt, "base64url"), key: Buffer.from(key, "base64url") };
}

let running = 0;
const waiting: Array<() => void> = [];

async function derive(password: string, salt: Buffer, options: ScryptOptions): Promise<Buffer> {
  if (running < MAX_CONCURRENT) running++;
  else await new Promise<void>((resolve) => waiting.push(resolve)); // a finishing hash hands over its slot
  try {
    // scrypt needs 128 * N * r bytes (32 MiB at N = 2^15, r = 8): Node's default limit is 32 MiB.
    const maxmem = 256 * (options.N ?? 0) * (options.r ?? 8);
    return await new Promise<Buffer>((resolve, reject) =>
      scrypt(password.normalize("NFKC"), salt, KEY_BYTES, { ...options, maxmem }, (error, key) =>
        error ? reject(error) : resolve(key),
      ),
    );
  } finally {
    const next = waiting.shift();
    if (next) next();
    else running--;
  }
}
