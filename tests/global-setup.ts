import fs from "node:fs/promises";
import path from "node:path";
import type { TestProject } from "vitest/node";
import { openDatabase } from "../lib/db/client";

const RUNS_DIR = path.resolve(".tmp/vitest");

/**
 * Runs once per test run: builds a migrated PGlite folder that each test file
 * copies (a first PGlite open costs ~5-10 s; a copy opens in ~1 s), and says
 * whether the PostgreSQL runs will happen. Each run has its own folder, so two
 * runs at once (two terminals, a CI clone) never delete each other's databases.
 */
export default async function setup(project: TestProject) {
  await removeStaleRuns();
  const runDir = path.join(RUNS_DIR, `run-${process.pid}`);
  const template = path.join(runDir, "template");
  await fs.rm(runDir, { recursive: true, force: true });
  const db = await openDatabase({ url: "", dataDir: template });
  await db.close();
  project.provide("pgliteTemplate", template);
  project.provide("testRunDir", runDir);
  if (!process.env.TEST_DATABASE_URL) {
    console.log("[tests] TEST_DATABASE_URL is not set: the PostgreSQL runs of the integration tests are skipped.");
  }
  return () => fs.rm(runDir, { recursive: true, force: true });
}

/** Folders of earlier runs whose process is gone (killed before its teardown). */
async function removeStaleRuns() {
  const entries = await fs.readdir(RUNS_DIR).catch(() => [] as string[]);
  for (const entry of entries) {
    const pid = /^run-(\d+)$/.exec(entry)?.[1];
    if (pid && isAlive(Number(pid))) continue;
    await fs.rm(path.join(RUNS_DIR, entry), { recursive: true, force: true });
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

declare module "vitest" {
  export interface ProvidedContext {
    pgliteTemplate: string;
    testRunDir: string;
  }
}
