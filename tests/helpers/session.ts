import { GET, POST } from "../../lib/auth/next-auth-handlers";
import { findUser } from "../../lib/auth/users";

/** Sends one request to Auth.js's endpoints (/api/auth/...) and returns the response. */
export type AuthTransport = (path: string, init?: RequestInit) => Promise<Response>;

const IN_PROCESS_ORIGIN = "http://parley.test";

/** Auth.js's route handlers called directly, no server needed. */
export const inProcess: AuthTransport = (path, init = {}) => {
  const request = new Request(IN_PROCESS_ORIGIN + path, init);
  return (init.method === "POST" ? POST : GET)(request as Parameters<typeof POST>[0]);
};

/** The app's /api/auth routes over HTTP (a route server from tests/helpers/app.ts). */
export function overHttp(baseUrl: string): AuthTransport {
  return (path, init) => fetch(baseUrl + path, { ...init, redirect: "manual" });
}

/**
 * Signs in with the credentials form the way the browser's sign-in does
 * (CSRF token, then POST /api/auth/callback/credentials), which creates a real
 * server-side session. Returns the Cookie header value that carries it.
 * `who` is an email or a user id. Throws when the sign-in is refused.
 */
export async function signInCookie(
  who: string,
  password: string,
  { transport = inProcess, userAgent = "Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0" }: { transport?: AuthTransport; userAgent?: string } = {},
): Promise<string> {
  const email = who.includes("@") ? who : (await findUser(who))?.email;
  if (!email) throw new Error(`no user ${who}`);
  const cookie = await trySignIn(email, password, { transport, userAgent });
  if (!cookie) throw new Error(`sign-in as ${email} was refused`);
  return cookie;
}

/** As signInCookie, but null when Auth.js refuses the credentials. */
export async function trySignIn(
  email: string,
  password: string,
  { transport = inProcess, userAgent = "vitest" }: { transport?: AuthTransport; userAgent?: string } = {},
): Promise<string | null> {
  const csrf = await csrfFor(transport);
  const response = await transport("/api/auth/callback/credentials", {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", cookie: csrf.cookie, "user-agent": userAgent },
    body: new URLSearchParams({ csrfToken: csrf.token, email, password, callbackUrl: "/" }),
  });
  await response.body?.cancel();
  const session = cookiesOf(response).find((c) => c.includes("authjs.session-token="));
  return session ?? null;
}

/** Signs out through Auth.js (POST /api/auth/signout), as the menu's "Sign out" does. */
export async function signOutWith(sessionCookie: string, { transport = inProcess }: { transport?: AuthTransport } = {}) {
  const csrf = await csrfFor(transport);
  const response = await transport("/api/auth/signout", {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", cookie: `${csrf.cookie}; ${sessionCookie}` },
    body: new URLSearchParams({ csrfToken: csrf.token, callbackUrl: "/sign-in" }),
  });
  await response.body?.cancel();
  return response;
}

async function csrfFor(transport: AuthTransport): Promise<{ token: string; cookie: string }> {
  const response = await transport("/api/auth/csrf");
  const { csrfToken } = (await response.json()) as { csrfToken: string };
  return { token: csrfToken, cookie: cookiesOf(response).join("; ") };
}

/** name=value of each Set-Cookie that sets (not clears) a cookie. */
function cookiesOf(response: Response): string[] {
  return response.headers
    .getSetCookie()
    .map((header) => header.split(";")[0]!)
    .filter((pair) => !pair.endsWith("="));
}
