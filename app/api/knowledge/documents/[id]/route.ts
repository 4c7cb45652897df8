import { readableDocument } from "@/lib/db/queries/documents";
import { route } from "@/lib/http/route";
import { deleteDocument } from "@/lib/rag/documents";
import { idParams } from "../../schema";

export const GET = route({ access: "user", params: idParams }, async ({ user, params }) => {
  const { ownerId: _owner, shared: _shared, ...document } = await readableDocument(user, params.id);
  return Response.json({ document });
});

export const DELETE = route({ access: "user", params: idParams }, async ({ user, params }) => {
  await deleteDocument(user, params.id);
  return new Response(null, { status: 204 });
});
