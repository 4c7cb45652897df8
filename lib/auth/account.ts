import { forbidden } from "../http/errors";
import type { Authenticated } from "./authenticate";
import { endOtherSessions } from "./sessions";
import { isCurrentPassword, setPassword } from "./users";

/**
 * Changes the caller's password once they proved they know the current one,
 * and ends every other session: whoever else holds a cookie (the reason to
 * change a password) is signed out. The session making the change stays.
 */
export async function changePassword(
  user: Authenticated,
  { currentPassword, newPassword }: { currentPassword: string; newPassword: string },
): Promise<{ endedSessions: number }> {
  if (!(await isCurrentPassword(user.id, currentPassword))) throw forbidden("The current password is wrong.");
  await setPassword(user.id, newPassword);
  return { endedSessions: await endOtherSessions(user.id, user.sessionId) };
}
