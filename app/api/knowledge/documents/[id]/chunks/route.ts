import { authenticate } from "@/lib/auth/authenticate";
import { listChunks } from "@/lib/db/queries/chunks";
import { readableDocument } from "@/lib/db/queries/documents";
import { handle } from "@/lib/http/handler";
import { parseQuery, validate } from "@/lib/http/parse";
import { chunksQuery, idSchema } from "../../../schema";

type Context = { params: Promise<{ id: string }> };

/** The document's chunks in order, a page at a time (the knowledge page's preview). */
export const GET = handle<Context>(async (request, { params }) => {
  const user = await authenticate(request);
  const document = await readableDocument(user, validate(idSchema, (await params).id));
  const { offset, limit } = parseQuery(request.url, chunksQuery);
  return Response.json({ total: document.chunkCount, chunks: await listChunks(document.id, { offset, limit }) });
});
