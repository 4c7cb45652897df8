import { defineConfig, devices } from "@playwright/test";
import { APP_URL, chromiumLaunch, FAKE_LLM_PORT, FAKE_LLM_URL, NODE } from "./e2e/support/env";

/**
 * End-to-end tests: Parley built into .next-e2e and started on a fresh
 * embedded database, talking to the deterministic fake model server
 * (tests/fake-llm). Run: `npx playwright test` (E2E_SKIP_BUILD=1 reuses the
 * last e2e build). Screenshots land in e2e/screenshots/ (git-ignored).
 */
const CI = !!process.env.CI;

export default defineConfig({
  testDir: "e2e",
  testMatch: "e2e/**/*.spec.ts",
  outputDir: process.env.E2E_OUTPUT_DIR ?? "test-results",
  globalSetup: "./e2e/global-setup.ts",
  timeout: 45_000,
  expect: { timeout: 10_000 },
  fullyParallel: false,
  // Tests are independent (own account, own fake-model match strings) but the
  // streaming ones measure timing: on a 2-core machine one worker is steadier.
  workers: Number(process.env.E2E_WORKERS ?? 1),
  retries: 0,
  forbidOnly: CI,
  reporter: CI ? [["list"], ["html", { open: "never" }]] : [["list"]],
  use: {
    baseURL: APP_URL,
    trace: "retain-on-failure",
    screenshot: "only-on-failure",
    actionTimeout: 10_000,
    navigationTimeout: 20_000,
    launchOptions: chromiumLaunch(),
  },
  projects: [
    // The very first sign-up of the run: that account must become admin, so it
    // runs before everything else creates accounts.
    { name: "first-user", testMatch: "e2e/first-user.spec.ts", use: { ...devices["Desktop Chrome"] } },
    {
      name: "chromium",
      testIgnore: "e2e/first-user.spec.ts",
      dependencies: ["first-user"],
      use: { ...devices["Desktop Chrome"] },
    },
  ],
  webServer: [
    {
      // The fake model server keeps no state that matters between runs (tests use unique match strings).
      command: `"${NODE}" --import tsx tests/fake-llm/cli.ts --port ${FAKE_LLM_PORT}`,
      url: `${FAKE_LLM_URL}/v1/models`,
      reuseExistingServer: !CI,
      timeout: 30_000,
      stdout: "ignore",
      stderr: "pipe",
    },
    {
      // Deletes .tmp/e2e-data, builds into .next-e2e, then `next start` (see e2e/support/serve-app.ts).
      command: `"${NODE}" --import tsx e2e/support/serve-app.ts`,
      // 200 only once the database is open and the (fake) model answers.
      url: `${APP_URL}/api/health`,
      // Never reuse: every run needs a fresh database (the first sign-up must become admin).
      reuseExistingServer: false,
      timeout: 300_000,
      stdout: process.env.E2E_SERVER_LOGS ? "pipe" : "ignore",
      stderr: "pipe",
      gracefulShutdown: { signal: "SIGTERM", timeout: 5_000 },
    },
  ],
});
