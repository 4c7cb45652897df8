import fs from "node:fs/promises";
import path from "node:path";
import type { TestProject } from "vitest/node";
import { openDatabase } from "../lib/db/client";

export const TEMPLATE_DIR = path.resolve(".tmp/vitest/pglite-template");

/**
 * Runs once per test run: builds a migrated PGlite folder that each test file
 * copies (a first PGlite open costs ~5-10 s; a copy opens in ~1 s), and says
 * whether the PostgreSQL runs will happen.
 */
export default async function setup(project: TestProject) {
  await fs.rm(path.dirname(TEMPLATE_DIR), { recursive: true, force: true });
  const db = await openDatabase({ url: "", dataDir: TEMPLATE_DIR });
  await db.close();
  project.provide("pgliteTemplate", TEMPLATE_DIR);
  if (!process.env.TEST_DATABASE_URL) {
    console.log("[tests] TEST_DATABASE_URL is not set: the PostgreSQL runs of the integration tests are skipped.");
  }
}

declare module "vitest" {
  export interface ProvidedContext {
    pgliteTemplate: string;
  }
}
