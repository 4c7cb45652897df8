import { forbidden, redirect } from "next/navigation";
import { currentUser } from "./authenticate";
import type { AuthUser } from "./users";

/** For pages: the signed-in user; anyone else is sent to sign in. */
export async function pageUser(): Promise<AuthUser> {
  const user = await currentUser();
  if (!user) redirect("/sign-in");
  return user;
}

/** For admin pages: as pageUser, and a 403 page for users who are not admins. */
export async function adminPageUser(): Promise<AuthUser> {
  const user = await pageUser();
  if (user.role !== "admin") forbidden();
  return user;
}
