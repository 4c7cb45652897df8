import { getToken } from "next-auth/jwt";
import { authSecret } from "./secret";

/**
 * Auth.js's session cookie: "__Secure-" prefixed when Parley is served over
 * https, plain otherwise. Each name is also the salt its JWT is encrypted with.
 */
export const SESSION_COOKIE_NAMES = ["__Secure-authjs.session-token", "authjs.session-token"] as const;

export interface SessionClaims {
  userId: string;
  sessionId: string;
}

/**
 * The user and session ids in the session cookie of a Cookie header, or null
 * when there is none, it does not decrypt, it expired, or it carries no
 * session id (cookies issued before server-side sessions existed are refused).
 * Reads the header itself rather than next/headers, so it works for any
 * Request, inside Next's request scope or not.
 */
export async function readSessionCookie(cookieHeader: string | null | undefined): Promise<SessionClaims | null> {
  if (!cookieHeader || !cookieHeader.includes("authjs.session-token")) return null;
  // Only the cookie: getToken would also take a bearer header as a JWT.
  const req = { headers: new Headers({ cookie: cookieHeader }) };
  for (const cookieName of SESSION_COOKIE_NAMES) {
    const token = await getToken({ req, secret: authSecret(), cookieName, salt: cookieName, secureCookie: cookieName.startsWith("__Secure-") });
    if (!token) continue;
    const { uid, sid } = token as { uid?: unknown; sid?: unknown };
    return typeof uid === "string" && typeof sid === "string" ? { userId: uid, sessionId: sid } : null;
  }
  return null;
}
