import { authenticate } from "@/lib/auth/authenticate";
import { deleteCollection, setCollectionAccess } from "@/lib/db/queries/collections";
import { handle } from "@/lib/http/handler";
import { parseJson, validate } from "@/lib/http/parse";
import { idSchema, updateCollectionSchema } from "../../schema";

type Context = { params: Promise<{ id: string }> };

/** Admins: open a shared collection to every user, or back to granted users only. */
export const PATCH = handle<Context>(async (request, { params }) => {
  const user = await authenticate(request);
  const id = validate(idSchema, (await params).id);
  const { everyone } = await parseJson(request, updateCollectionSchema);
  await setCollectionAccess(user, id, everyone);
  return new Response(null, { status: 204 });
});

export const DELETE = handle<Context>(async (request, { params }) => {
  const user = await authenticate(request);
  await deleteCollection(user, validate(idSchema, (await params).id));
  return new Response(null, { status: 204 });
});
