import { deleteCollection, setCollectionAccess } from "@/lib/db/queries/collections";
import { route } from "@/lib/http/route";
import { idParams, updateCollectionSchema } from "../../schema";

/** Admins: open a shared collection to every user, or back to granted users only. */
export const PATCH = route({ access: "user", params: idParams, body: { json: updateCollectionSchema } }, async ({ user, params, body }) => {
  await setCollectionAccess(user, params.id, body.everyone);
  return new Response(null, { status: 204 });
});

export const DELETE = route({ access: "user", params: idParams }, async ({ user, params }) => {
  await deleteCollection(user, params.id);
  return new Response(null, { status: 204 });
});
