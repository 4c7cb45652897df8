import { z } from "zod";
import { messageTrace } from "@/lib/db/queries/traces";
import { notFound } from "@/lib/http/errors";
import { route } from "@/lib/http/route";

const params = z.object({ id: z.uuid("The message id must be a UUID.") });

/** The latency report of one of the user's answers: its trace's stages and what the browser measured. */
export const GET = route({ access: "user", params }, async ({ user, params }) => {
  const trace = await messageTrace(user.id, params.id);
  if (!trace) throw notFound("A latency report for this message");
  return Response.json(trace, { headers: { "cache-control": "no-store" } });
});
