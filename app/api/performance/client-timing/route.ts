import { saveClientTiming } from "@/lib/db/queries/traces";
import { route } from "@/lib/http/route";
import { clientTimingSchema } from "../schema";

/** The browser reports what only it sees of one of the user's own chat requests. */
export const POST = route({ access: "user", body: { json: clientTimingSchema } }, async ({ user, body: { requestId, ...timing } }) => {
  await saveClientTiming(user.id, requestId, timing);
  return new Response(null, { status: 204 });
});
