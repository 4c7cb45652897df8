import { authenticate } from "@/lib/auth/authenticate";
import { readableDocument } from "@/lib/db/queries/documents";
import { handle } from "@/lib/http/handler";
import { validate } from "@/lib/http/parse";
import { deleteDocument } from "@/lib/rag/documents";
import { idSchema } from "../../schema";

type Context = { params: Promise<{ id: string }> };

export const GET = handle<Context>(async (request, { params }) => {
  const user = await authenticate(request);
  const { ownerId: _owner, shared: _shared, ...document } = await readableDocument(user, validate(idSchema, (await params).id));
  return Response.json({ document });
});

export const DELETE = handle<Context>(async (request, { params }) => {
  const user = await authenticate(request);
  await deleteDocument(user, validate(idSchema, (await params).id));
  return new Response(null, { status: 204 });
});
