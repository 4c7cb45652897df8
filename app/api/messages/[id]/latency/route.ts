import { authenticate } from "@/lib/auth/authenticate";
import { messageTrace } from "@/lib/db/queries/traces";
import { notFound } from "@/lib/http/errors";
import { handle } from "@/lib/http/handler";
import { validate } from "@/lib/http/parse";
import { z } from "zod";

const idSchema = z.uuid("The message id must be a UUID.");

/** The latency report of one of the user's answers: its trace's stages and what the browser measured. */
export const GET = handle<{ params: Promise<{ id: string }> }>(async (request, { params }) => {
  const user = await authenticate(request);
  const id = validate(idSchema, (await params).id);
  const trace = await messageTrace(user.id, id);
  if (!trace) throw notFound("A latency report for this message");
  return Response.json(trace, { headers: { "cache-control": "no-store" } });
});
