import { z } from "zod";
import { endSession } from "@/lib/auth/sessions";
import { route } from "@/lib/http/route";

const params = z.object({ id: z.string().min(1).max(100, "The session id is too long.") });

/** Signs one of the caller's sessions out; its cookie gets 401 from then on. */
export const DELETE = route({ access: "user", params }, async ({ user, params }) => {
  await endSession(user.id, params.id);
  return new Response(null, { status: 204 });
});
