import { authenticate } from "@/lib/auth/authenticate";
import { handle } from "@/lib/http/handler";
import { validate } from "@/lib/http/parse";
import { reindexDocument } from "@/lib/rag/documents";
import { idSchema } from "../../../schema";

type Context = { params: Promise<{ id: string }> };

export const POST = handle<Context>(async (request, { params }) => {
  const user = await authenticate(request);
  return Response.json({ document: await reindexDocument(user, validate(idSchema, (await params).id)) }, { status: 202 });
});
