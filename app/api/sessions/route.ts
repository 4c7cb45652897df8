import { listSessions } from "@/lib/auth/sessions";
import { route } from "@/lib/http/route";

/** The caller's signed-in browsers; `current` marks the one making this request. */
export const GET = route({ access: "user" }, async ({ user }) =>
  Response.json({ sessions: await listSessions(user.id, user.sessionId) }),
);
