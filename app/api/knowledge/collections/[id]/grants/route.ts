import { authenticate } from "@/lib/auth/authenticate";
import { grantCollection, revokeGrant } from "@/lib/db/queries/collections";
import { handle } from "@/lib/http/handler";
import { parseJson, validate } from "@/lib/http/parse";
import { grantSchema, idSchema } from "../../../schema";

type Context = { params: Promise<{ id: string }> };

/** Admins: let a user (by email) read a shared collection. */
export const POST = handle<Context>(async (request, { params }) => {
  const user = await authenticate(request);
  const id = validate(idSchema, (await params).id);
  const { email } = await parseJson(request, grantSchema);
  await grantCollection(user, id, email);
  return new Response(null, { status: 204 });
});

export const DELETE = handle<Context>(async (request, { params }) => {
  const user = await authenticate(request);
  const id = validate(idSchema, (await params).id);
  const { email } = await parseJson(request, grantSchema);
  await revokeGrant(user, id, email);
  return new Response(null, { status: 204 });
});
