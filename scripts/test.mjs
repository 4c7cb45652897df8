// npm test: the whole suite: type-check, unit + integration (vitest), e2e
// (Playwright in Debian chromium). Ends with one line counting every test.
import { spawnSync } from "node:child_process";
import fs from "node:fs";

const bin = (name) => `node_modules/.bin/${name}`;
fs.mkdirSync(".tmp", { recursive: true });
const results = { passed: 0, failed: 0, skipped: 0 };
let ok = true;

function step(title, command, args, env = {}) {
  console.log(`\n=== ${title}`);
  const started = Date.now();
  const run = spawnSync(command, args, { stdio: "inherit", env: { ...process.env, ...env } });
  console.log(`=== ${title}: ${run.status === 0 ? "ok" : "FAILED"} in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  if (run.status !== 0) ok = false;
  return run.status === 0;
}

function readJson(file) {
  try {
    return JSON.parse(fs.readFileSync(file, "utf8"));
  } catch {
    return null;
  }
}

step("type-check", bin("tsc"), ["--noEmit", "-p", "."]);

fs.rmSync(".tmp/vitest.json", { force: true });
step("unit and integration tests (vitest)", bin("vitest"), [
  "run",
  "--reporter=default",
  "--reporter=json",
  "--outputFile.json=.tmp/vitest.json",
]);
const vitest = readJson(".tmp/vitest.json");
if (vitest) {
  results.passed += vitest.numPassedTests;
  results.failed += vitest.numFailedTests;
  results.skipped += vitest.numPendingTests + vitest.numTodoTests;
} else ok = false;

fs.rmSync(".tmp/playwright.json", { force: true });
step("end-to-end tests (Playwright, chromium)", bin("playwright"), ["test", "--reporter=list,json"], {
  PLAYWRIGHT_JSON_OUTPUT_NAME: ".tmp/playwright.json",
});
const playwright = readJson(".tmp/playwright.json");
if (playwright) {
  results.passed += playwright.stats.expected + playwright.stats.flaky;
  results.failed += playwright.stats.unexpected;
  results.skipped += playwright.stats.skipped;
} else ok = false;

console.log(`\ntests: ${results.passed} passed, ${results.failed} failed, ${results.skipped} skipped`);
process.exit(ok && results.failed === 0 ? 0 : 1);
