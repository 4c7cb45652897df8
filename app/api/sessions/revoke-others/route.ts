import { endOtherSessions } from "@/lib/auth/sessions";
import { route } from "@/lib/http/route";

/** Signs out every session of the caller except the one making this request. */
export const POST = route({ access: "user" }, async ({ user }) =>
  Response.json({ ended: await endOtherSessions(user.id, user.sessionId) }),
);
