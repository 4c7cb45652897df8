import { headers } from "next/headers";
import { unauthorized } from "../http/errors";
import { userForApiKey } from "./api-keys";
import { readSessionCookie } from "./session-cookie";
import { sessionUser } from "./sessions";
import type { AuthUser } from "./users";

export type AuthMethod = "session" | "api_key";
export interface Authenticated extends AuthUser {
  method: AuthMethod;
  /** The server-side session the cookie belongs to (method "session" only). */
  sessionId?: string;
}

/**
 * Who is making this request: a bearer API key, else the session cookie,
 * read from the request itself. The session must still be live (not signed
 * out or revoked) and its user is read with it, so a deleted user or a changed
 * role takes effect within seconds rather than when the cookie expires.
 */
export async function authenticate(request: Request): Promise<Authenticated> {
  const header = request.headers.get("authorization");
  if (header) {
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    const user = match ? await userForApiKey(match[1]!) : null;
    if (!user) throw unauthorized("The API key is missing, malformed, unknown or revoked.");
    return { ...user, method: "api_key" };
  }
  const session = await sessionFromCookies(request.headers.get("cookie"));
  if (!session) throw unauthorized();
  return session;
}

/** For server components: the signed-in user, or null (also for a signed-out or revoked session). */
export async function currentUser(): Promise<Authenticated | null> {
  let cookie: string | null = null;
  try {
    cookie = (await headers()).get("cookie");
  } catch {
    return null; // outside a request scope
  }
  return sessionFromCookies(cookie);
}

async function sessionFromCookies(cookie: string | null): Promise<Authenticated | null> {
  const claims = await readSessionCookie(cookie);
  if (!claims) return null;
  const user = await sessionUser(claims.sessionId);
  // A session belongs to one user for life; a mismatch is a forged or confused cookie.
  if (!user || user.id !== claims.userId) return null;
  return { ...user, method: "session", sessionId: claims.sessionId };
}
