import { authenticate } from "@/lib/auth/authenticate";
import { handle } from "@/lib/http/handler";
import { validate } from "@/lib/http/parse";
import { cancelIngestion } from "@/lib/rag/documents";
import { idSchema } from "../../../schema";

type Context = { params: Promise<{ id: string }> };

export const POST = handle<Context>(async (request, { params }) => {
  const user = await authenticate(request);
  return Response.json({ document: await cancelIngestion(user, validate(idSchema, (await params).id)) });
});
