import { authenticate } from "@/lib/auth/authenticate";
import { saveClientTiming } from "@/lib/db/queries/traces";
import { handle } from "@/lib/http/handler";
import { parseJson } from "@/lib/http/parse";
import { clientTimingSchema } from "../schema";

/** The browser reports what only it sees of one of the user's own chat requests. */
export const POST = handle(async (request) => {
  const user = await authenticate(request);
  const { requestId, ...timing } = await parseJson(request, clientTimingSchema);
  await saveClientTiming(user.id, requestId, timing);
  return new Response(null, { status: 204 });
});
