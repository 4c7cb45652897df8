import { APP_URL, FAKE_LLM_URL } from "./support/env";

/**
 * Runs after both web servers are up (Playwright starts webServers first; the
 * fresh database is made by e2e/support/serve-app.ts). Clears the fake model
 * server's rules and request log, and checks Parley reports itself healthy.
 */
export default async function globalSetup() {
  const reset = await fetch(`${FAKE_LLM_URL}/__fake/reset`, { method: "POST" });
  if (!reset.ok) throw new Error(`Could not reset the fake model server at ${FAKE_LLM_URL}: ${reset.status}`);
  const health = await fetch(`${APP_URL}/api/health`);
  // Anonymous health: status and generic reasons (serve-app.ts runs the embedded database: DATABASE_URL="").
  const body = (await health.json()) as { status: string; reasons: string[] };
  if (health.status !== 200 || body.status !== "ok") {
    throw new Error(`Parley is not healthy: ${JSON.stringify(body)}`);
  }
}
