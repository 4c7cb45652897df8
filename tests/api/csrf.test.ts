import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { database } from "../../lib/db/client";
import { ROUTES, startTestApp, type TestApp, type TestUser } from "../helpers/app";
import { signInCookie } from "../helpers/session";

/**
 * Every state-changing route, asked by a browser on another origin that
 * carries the user's session cookie: a cross-site form, a same-site page on
 * another port (SameSite=Lax lets its cookie through), and an old browser
 * that sends Origin but no Fetch metadata. All are refused and nothing changes.
 */
const STATE_CHANGING = ["POST", "PATCH", "DELETE"] as const;
const TABLES = ["User", "ApiKey", "Chat", "Message", "Collection", "CollectionGrant", "Document", "Session"];

const ATTACKS: Array<{ name: string; headers: Record<string, string>; body: string }> = [
  {
    name: "a cross-site form POST",
    headers: { origin: "https://evil.example", "sec-fetch-site": "cross-site", "content-type": "application/x-www-form-urlencoded" },
    body: "name=pwned&message=pwned",
  },
  {
    name: "a same-site page on another port (text/plain JSON, no preflight)",
    headers: { origin: "http://127.0.0.1:1", "sec-fetch-site": "same-site", "content-type": "text/plain;charset=json" },
    body: JSON.stringify({ name: "pwned", message: "pwned", title: "pwned", email: "x@example.com", everyone: true }),
  },
  {
    name: "an old browser on another port (Origin only)",
    headers: { origin: "http://127.0.0.1:1", "content-type": "application/json" },
    body: JSON.stringify({ name: "pwned", message: "pwned", title: "pwned", email: "x@example.com", everyone: true }),
  },
];

describe("cross-site request forgery, on every state-changing route", () => {
  let app: TestApp;
  let admin: TestUser;
  let cookie: string;

  async function counts() {
    const { sql } = await database();
    const out: Record<string, number> = {};
    for (const table of TABLES) out[table] = Number((await sql.query<{ n: string }>(`SELECT count(*) AS n FROM "${table}"`))[0]!.n);
    return out;
  }

  beforeAll(async () => {
    app = await startTestApp("pglite");
    admin = await app.user();
    cookie = await signInCookie(admin.email, "correct horse battery");
  });
  afterAll(() => app.close());

  it("the session cookie works from Parley's own pages (so the refusals below are the origin check)", async () => {
    const response = await fetch(`${app.url}/api/keys`, {
      method: "POST",
      headers: { cookie, origin: app.url, "sec-fetch-site": "same-origin", "content-type": "application/json" },
      body: JSON.stringify({ name: "made from Parley's own page" }),
    });
    expect(response.status).toBe(201);
  });

  it("refuses each attack with 403 and stores nothing", async () => {
    const before = await counts();
    let refused = 0;
    for (const [pattern, module] of Object.entries(ROUTES)) {
      for (const method of STATE_CHANGING) {
        if (!(method in module)) continue;
        const path = pattern.replace(/:\w+/g, randomUUID());
        for (const attack of ATTACKS) {
          const response = await fetch(app.url + path, { method, headers: { cookie, ...attack.headers }, body: attack.body });
          const label = `${method} ${pattern} from ${attack.name}`;
          expect(response.status, label).toBe(403);
          expect(((await response.json()) as { error: { message: string } }).error.message, label).toMatch(/cross-site request forgery/);
          refused++;
        }
      }
    }
    expect(await counts()).toEqual(before);
    // Every state-changing route was tried (chat, keys, sign-up, knowledge, speech, /v1, sessions...).
    expect(refused).toBeGreaterThanOrEqual(ATTACKS.length * 20);
  });

  it("lets an API key through from anywhere: a browser never sends one on its own", async () => {
    const response = await admin.fetch("/api/keys", {
      method: "POST",
      headers: { origin: "https://evil.example", "sec-fetch-site": "cross-site" },
      json: { name: "script key" },
    });
    expect(response.status).toBe(201);
  });
});
