import { encode } from "next-auth/jwt";
import { afterAll, beforeAll, expect, it } from "vitest";
import { authSecret } from "../../lib/auth/secret";
import { startTestApp, waitFor, type TestApp } from "../helpers/app";
import { describeEachBackend } from "../helpers/db";
import { overHttp, signInCookie, signOutWith, trySignIn, type AuthTransport } from "../helpers/session";

const PASSWORD = "correct horse battery"; // what TestApp.user() signs up with
const FIREFOX = "Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:140.0) Gecko/20100101 Firefox/140.0";
const CHROME = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/141.0.0.0 Safari/537.36";

interface SessionJson {
  id: string;
  device: string;
  createdAt: string;
  lastSeenAt: string;
  current: boolean;
}

describeEachBackend("sessions that sign-out, 'sign out other sessions' and a password change really end", (backend) => {
  let app: TestApp;
  let http: AuthTransport;
  beforeAll(async () => {
    app = await startTestApp(backend);
    http = overHttp(app.url);
  });
  afterAll(() => app.close());

  /** A request made with a session cookie only, as a browser would send it. */
  const withCookie = (cookie: string, path: string, init: RequestInit & { json?: unknown } = {}) =>
    fetch(app.url + path, {
      ...init,
      headers: { cookie, ...(init.json === undefined ? {} : { "content-type": "application/json" }) },
      body: init.json === undefined ? init.body : JSON.stringify(init.json),
    });
  const status = async (cookie: string, path: string) => (await withCookie(cookie, path)).status;

  it("a signed-out cookie gets 401 from every API route, though it has not expired", async () => {
    const user = await app.user();
    const cookie = await signInCookie(user.email, PASSWORD, { transport: http, userAgent: FIREFOX });
    expect(await status(cookie, "/api/chats")).toBe(200);
    expect(await status(cookie, "/api/keys")).toBe(200);
    const session = (await (await http("/api/auth/session", { headers: { cookie } })).json()) as { user?: { email?: string } };
    expect(session.user?.email).toBe(user.email);

    const signedOut = await signOutWith(cookie, { transport: http });
    expect(signedOut.status).toBe(302);

    // The same cookie replayed (a copy an attacker kept, or another tab): refused everywhere.
    expect(await status(cookie, "/api/chats")).toBe(401);
    expect(await status(cookie, "/api/keys")).toBe(401);
    expect(await status(cookie, "/api/sessions")).toBe(401);
    expect(await (await http("/api/auth/session", { headers: { cookie } })).json()).toBeNull();
    // The API key of the same user is another credential and keeps working.
    expect((await user.fetch("/api/chats")).status).toBe(200);
  });

  it("refuses a session cookie issued before server-side sessions existed (no session id in it)", async () => {
    const user = await app.user();
    const name = "authjs.session-token";
    const token = await encode({ token: { sub: user.id, uid: user.id, email: user.email }, secret: authSecret(), salt: name });
    expect(await status(`${name}=${token}`, "/api/chats")).toBe(401);
    // The same token with a live session id is accepted: only the missing id is refused.
    const live = await signInCookie(user.email, PASSWORD, { transport: http });
    expect(await status(live, "/api/chats")).toBe(200);
  });

  it("lists a user's sessions and signs out the others: B gets 401, A keeps working", async () => {
    const user = await app.user();
    const a = await signInCookie(user.email, PASSWORD, { transport: http, userAgent: FIREFOX });
    const b = await signInCookie(user.email, PASSWORD, { transport: http, userAgent: CHROME });
    const other = await app.user();
    await signInCookie(other.email, PASSWORD, { transport: http });

    const listed = (await (await withCookie(a, "/api/sessions")).json()) as { sessions: SessionJson[] };
    expect(listed.sessions.map((s) => [s.device, s.current]).sort()).toEqual([
      ["Chrome on Windows", false],
      ["Firefox on Linux", true],
    ]);

    const ended = await withCookie(a, "/api/sessions/revoke-others", { method: "POST" });
    expect(ended.status).toBe(200);
    expect(await ended.json()).toEqual({ ended: 1 });
    expect(await status(b, "/api/chats")).toBe(401);
    expect(await status(a, "/api/chats")).toBe(200);
    const after = (await (await withCookie(a, "/api/sessions")).json()) as { sessions: SessionJson[] };
    expect(after.sessions.map((s) => s.device)).toEqual(["Firefox on Linux"]);
  });

  it("signs out one session by id, and another user's session id is a 404", async () => {
    const user = await app.user();
    const a = await signInCookie(user.email, PASSWORD, { transport: http, userAgent: FIREFOX });
    const b = await signInCookie(user.email, PASSWORD, { transport: http, userAgent: CHROME });
    const idOf = async (cookie: string, device: string) => {
      const { sessions } = (await (await withCookie(cookie, "/api/sessions")).json()) as { sessions: SessionJson[] };
      return sessions.find((s) => s.device === device)!.id;
    };
    const bId = await idOf(a, "Chrome on Windows");

    const stranger = await app.user();
    const strangerCookie = await signInCookie(stranger.email, PASSWORD, { transport: http });
    expect((await withCookie(strangerCookie, `/api/sessions/${bId}`, { method: "DELETE" })).status).toBe(404);
    expect(await status(b, "/api/chats")).toBe(200);

    expect((await withCookie(a, `/api/sessions/${bId}`, { method: "DELETE" })).status).toBe(204);
    expect(await status(b, "/api/chats")).toBe(401);
    expect(await status(a, "/api/chats")).toBe(200);
    expect((await withCookie(a, `/api/sessions/${bId}`, { method: "DELETE" })).status).toBe(404);
  });

  it("changing the password ends the other sessions, keeps this one, and the old password stops working", async () => {
    const user = await app.user();
    const here = await signInCookie(user.email, PASSWORD, { transport: http, userAgent: FIREFOX });
    const elsewhere = await signInCookie(user.email, PASSWORD, { transport: http, userAgent: CHROME });
    const change = (json: unknown) => withCookie(here, "/api/account/password", { method: "POST", json });

    const wrong = await change({ currentPassword: "not my password", newPassword: "a brand new secret" });
    expect(wrong.status).toBe(403);
    expect(((await wrong.json()) as { error: { message: string } }).error.message).toBe("The current password is wrong.");
    const short = await change({ currentPassword: PASSWORD, newPassword: "short" });
    expect(short.status).toBe(400);
    expect(((await short.json()) as { error: { message: string } }).error.message).toContain("at least 8 characters");
    // Neither refused attempt ended anything.
    expect(await status(elsewhere, "/api/chats")).toBe(200);

    const changed = await change({ currentPassword: PASSWORD, newPassword: "a brand new secret" });
    expect(changed.status).toBe(200);
    expect(await changed.json()).toEqual({ endedSessions: 1 });
    expect(await status(elsewhere, "/api/chats")).toBe(401);
    expect(await status(here, "/api/chats")).toBe(200);

    expect(await trySignIn(user.email, PASSWORD, { transport: http })).toBeNull();
    const fresh = await trySignIn(user.email, "a brand new secret", { transport: http });
    expect(fresh).not.toBeNull();
    expect(await status(fresh!, "/api/chats")).toBe(200);
  });

  it("records use at most once a minute, not on every request", async () => {
    const user = await app.user();
    const sessions = app.database.db.prisma.session;
    const cookie = await signInCookie(user.email, PASSWORD, { transport: http });
    for (let i = 0; i < 5; i++) expect(await status(cookie, "/api/chats")).toBe(200);
    const row = await sessions.findFirstOrThrow({ where: { userId: user.id } });
    expect(row.lastSeenAt.getTime()).toBe(row.createdAt.getTime());

    // A session last seen minutes ago gets the time of its next use.
    const other = await app.user();
    const idle = await signInCookie(other.email, PASSWORD, { transport: http });
    const old = new Date(Date.now() - 5 * 60_000);
    await sessions.updateMany({ where: { userId: other.id }, data: { lastSeenAt: old } });
    expect(await status(idle, "/api/chats")).toBe(200);
    await waitFor(async () => (await sessions.findFirstOrThrow({ where: { userId: other.id } })).lastSeenAt > old);
  });
});
