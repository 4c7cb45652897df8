import { authenticate } from "@/lib/auth/authenticate";
import { createCollection, listCollections } from "@/lib/db/queries/collections";
import { handle } from "@/lib/http/handler";
import { parseJson } from "@/lib/http/parse";
import { createCollectionSchema } from "../schema";

export const GET = handle(async (request) => {
  const user = await authenticate(request);
  return Response.json({ collections: await listCollections(user) });
});

/** A new collection: the user's own, or (admins) a shared one. */
export const POST = handle(async (request) => {
  const user = await authenticate(request);
  const input = await parseJson(request, createCollectionSchema);
  const id = await createCollection(user, input);
  const created = (await listCollections(user)).find((c) => c.id === id);
  return Response.json({ collection: created }, { status: 201 });
});
