import { grantCollection, revokeGrant } from "@/lib/db/queries/collections";
import { route } from "@/lib/http/route";
import { grantSchema, idParams } from "../../../schema";

const spec = { access: "user", params: idParams, body: { json: grantSchema } } as const;

/** Admins: let a user (by email) read a shared collection. */
export const POST = route(spec, async ({ user, params, body }) => {
  await grantCollection(user, params.id, body.email);
  return new Response(null, { status: 204 });
});

export const DELETE = route(spec, async ({ user, params, body }) => {
  await revokeGrant(user, params.id, body.email);
  return new Response(null, { status: 204 });
});
