import { createCollection, listCollections } from "@/lib/db/queries/collections";
import { route } from "@/lib/http/route";
import { createCollectionSchema } from "../schema";

export const GET = route({ access: "user" }, async ({ user }) => Response.json({ collections: await listCollections(user) }));

/** A new collection: the user's own, or (admins) a shared one. */
export const POST = route({ access: "user", body: { json: createCollectionSchema } }, async ({ user, body }) => {
  const id = await createCollection(user, body);
  const created = (await listCollections(user)).find((c) => c.id === id);
  return Response.json({ collection: created }, { status: 201 });
});
