import { randomBytes } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { config } from "../config";

/**
 * The key that signs session cookies: AUTH_SECRET when set, else one generated
 * on first start and kept in the data folder, so sessions survive restarts with
 * zero set-up.
 */
export function authSecret(): string {
  return (cached ??= readOrCreateSecret());
}

let cached: string | undefined;

function readOrCreateSecret(): string {
  const fromEnv = config.auth.secret;
  if (fromEnv) return fromEnv;
  const file = path.join(config.dataDir, "auth-secret");
  try {
    return fs.readFileSync(file, "utf8").trim();
  } catch {
    fs.mkdirSync(config.dataDir, { recursive: true });
    const secret = randomBytes(32).toString("base64url");
    try {
      fs.writeFileSync(file, secret, { mode: 0o600, flag: "wx" });
      return secret;
    } catch {
      // Another process wrote it first: use theirs.
      return fs.readFileSync(file, "utf8").trim();
    }
  }
}
