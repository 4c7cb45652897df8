import { execFile } from "node:child_process";
import fs from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { openDatabase } from "../../lib/db/client";

const run = promisify(execFile);
const dataDir = path.resolve(`.tmp/admin-cli-${process.pid}`);

async function admin(...args: string[]) {
  try {
    const { stdout, stderr } = await run(process.execPath, ["node_modules/.bin/tsx", "scripts/admin.ts", ...args], {
      env: { ...process.env, DATA_DIR: dataDir, DATABASE_URL: "" },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

describe("npm run admin", () => {
  afterAll(() => fs.rm(dataDir, { recursive: true, force: true }));

  it("creates users and API keys; keys are printed once and stored hashed", async () => {
    await fs.rm(dataDir, { recursive: true, force: true });
    const created = await admin("create-user", "--email", "Ops@Example.com", "--password", "long enough", "--admin");
    expect(created.code).toBe(0);
    expect(created.stdout).toMatch(/Created admin ops@example.com/);

    const key = await admin("create-api-key", "--email", "ops@example.com", "--name", "deploy");
    expect(key.code).toBe(0);
    const printed = key.stdout.trim();
    expect(printed).toMatch(/^pk_[\w-]{20,}$/);

    const db = await openDatabase({ url: "", dataDir });
    try {
      const row = await db.prisma.apiKey.findFirstOrThrow({ include: { user: true } });
      expect(row.name).toBe("deploy");
      expect(row.user.email).toBe("ops@example.com");
      expect(row.hash).not.toBe(printed);
      expect(row.prefix).toBe(printed.slice(0, 10));
    } finally {
      await db.close();
    }
  });

  it("explains bad usage and refuses a duplicate user", async () => {
    const usage = await admin("create-user", "--email", "x@example.com");
    expect(usage.code).toBe(2);
    expect(usage.stderr).toMatch(/needs --email and --password/);
    const unknown = await admin("frobnicate");
    expect(unknown.stderr).toMatch(/Unknown command/);
    const duplicate = await admin("create-user", "--email", "ops@example.com", "--password", "long enough");
    expect(duplicate.code).not.toBe(0);
    expect(duplicate.stderr).toMatch(/already exists/);
    const missing = await admin("create-api-key", "--email", "ghost@example.com");
    expect(missing.stderr).toMatch(/No user with email/);
  });

  it("refuses to open the embedded database while another process has it", async () => {
    const db = await openDatabase({ url: "", dataDir });
    try {
      const blocked = await admin("create-user", "--email", "late@example.com", "--password", "long enough");
      expect(blocked.code).not.toBe(0);
      expect(blocked.stderr).toMatch(/in use by process \d+/);
    } finally {
      await db.close();
    }
  });
});
