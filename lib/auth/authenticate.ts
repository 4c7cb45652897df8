import { forbidden, unauthorized } from "../http/errors";
import { userForApiKey } from "./api-keys";
import { auth } from "./next-auth";
import { findUser, type AuthUser } from "./users";

export type AuthMethod = "session" | "api_key";
export interface Authenticated extends AuthUser {
  method: AuthMethod;
}

/**
 * Who is making this request: a bearer API key, else the session cookie. The
 * user row is read each time, so a deleted user or a changed role takes effect
 * at once rather than when the cookie expires.
 */
export async function authenticate(request: Request): Promise<Authenticated> {
  const header = request.headers.get("authorization");
  if (header) {
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    const user = match ? await userForApiKey(match[1]!) : null;
    if (!user) throw unauthorized("The API key is missing, malformed, unknown or revoked.");
    return { ...user, method: "api_key" };
  }
  const id = await sessionUserId();
  const user = id ? await findUser(id) : null;
  if (!user) throw unauthorized();
  return { ...user, method: "session" };
}

/** Like authenticate, for admin-only endpoints: 403 for anyone else. */
export async function authenticateAdmin(request: Request): Promise<Authenticated> {
  const user = await authenticate(request);
  if (user.role !== "admin") throw forbidden("Only an administrator may see this.");
  return user;
}

/** The user id in the session cookie; none when there is no cookie or no request scope. */
async function sessionUserId(): Promise<string | undefined> {
  try {
    return (await auth())?.user?.id;
  } catch {
    return undefined;
  }
}

/** For server components: the signed-in user, or null. */
export async function currentUser(): Promise<AuthUser | null> {
  const id = await sessionUserId();
  return id ? findUser(id) : null;
}
