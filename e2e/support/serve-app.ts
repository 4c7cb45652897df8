/**
 * Playwright's webServer command for Parley: wipes the e2e database, builds
 * into .next-e2e and runs `next start` in the foreground (the pid Playwright
 * stops is ours; we pass the signal on so no next-server is left behind).
 *
 *   npx tsx e2e/support/serve-app.ts                    # build + start
 *   E2E_SKIP_BUILD=1 npx tsx e2e/support/serve-app.ts   # reuse the last e2e build
 *
 * Runs before Playwright's globalSetup (webServers start first), which is why
 * the data folder is deleted here and not there.
 */
import { spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { APP_PORT, DATA_DIR, DIST_DIR, NODE, ROOT, appEnv } from "./env";

const env = { ...process.env, ...appEnv() };
const nextBin = path.join(ROOT, "node_modules", "next", "dist", "bin", "next");

fs.rmSync(DATA_DIR, { recursive: true, force: true });
fs.mkdirSync(DATA_DIR, { recursive: true });

if (process.env.E2E_SKIP_BUILD === "1" && fs.existsSync(path.join(ROOT, DIST_DIR, "BUILD_ID"))) {
  console.log(`[e2e] E2E_SKIP_BUILD=1: reusing ${DIST_DIR}`);
} else {
  const undo = snapshotFilesNextRewrites();
  const started = Date.now();
  const build = spawnSync(NODE, [nextBin, "build"], { cwd: ROOT, env, stdio: "inherit" });
  undo();
  if (build.status !== 0) {
    console.error(`[e2e] next build failed (exit ${build.status ?? build.signal})`);
    process.exit(1);
  }
  console.log(`[e2e] built ${DIST_DIR} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

const server = spawn(NODE, [nextBin, "start", "-p", String(APP_PORT), "-H", "127.0.0.1"], {
  cwd: ROOT,
  env,
  stdio: "inherit",
});
for (const signal of ["SIGTERM", "SIGINT", "SIGHUP"] as const) {
  process.on(signal, () => server.kill(signal));
}
server.on("exit", (code, signal) => process.exit(code ?? (signal ? 0 : 1)));

/**
 * `next build` with a custom distDir adds `.next-e2e/types/**` entries to
 * tsconfig.json's "include" and points next-env.d.ts at .next-e2e. Those edits
 * belong to the e2e build only: take exactly them out again afterwards and
 * leave any other change (someone else editing tsconfig.json meanwhile) alone.
 */
function snapshotFilesNextRewrites(): () => void {
  const tsconfigPath = path.join(ROOT, "tsconfig.json");
  const nextEnvPath = path.join(ROOT, "next-env.d.ts");
  const read = (file: string) => (fs.existsSync(file) ? fs.readFileSync(file, "utf8") : null);
  const includeOf = (text: string | null): string[] => {
    try {
      return text === null ? [] : ((JSON.parse(text) as { include?: string[] }).include ?? []);
    } catch {
      return [];
    }
  };
  const tsconfigBefore = read(tsconfigPath);
  const includedBefore = new Set(includeOf(tsconfigBefore));
  const nextEnvBefore = read(nextEnvPath);
  const ours = `./${DIST_DIR}/`;
  return () => {
    let tsconfig = read(tsconfigPath);
    if (tsconfig !== null) {
      const added = includeOf(tsconfig).filter((entry) => entry.startsWith(`${DIST_DIR}/`) && !includedBefore.has(entry));
      for (const entry of added) {
        const quoted = JSON.stringify(entry).replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
        tsconfig = tsconfig.replace(new RegExp(`,\\s*${quoted}(?=\\s*[,\\]])`), "");
      }
      const expected = includeOf(read(tsconfigPath)).filter((entry) => !added.includes(entry));
      if (added.length > 0 && JSON.stringify(includeOf(tsconfig)) === JSON.stringify(expected)) {
        fs.writeFileSync(tsconfigPath, tsconfig);
      }
    }
    const nextEnv = read(nextEnvPath);
    if (nextEnvBefore !== null && nextEnv !== null && !nextEnvBefore.includes(ours) && nextEnv.includes(ours)) {
      fs.writeFileSync(nextEnvPath, nextEnvBefore);
    }
  };
}
