import { authenticate } from "@/lib/auth/authenticate";
import { documentText, readableDocument } from "@/lib/db/queries/documents";
import { handle } from "@/lib/http/handler";
import { notFound } from "@/lib/http/errors";
import { parseQuery, validate } from "@/lib/http/parse";
import { textWindow } from "@/lib/rag/text-window";
import { idSchema, textQuery } from "../../../schema";

type Context = { params: Promise<{ id: string }> };

/**
 * The extracted text: all of it, or a passage [start, end) with context
 * around it (a citation opened in context), with page numbers.
 */
export const GET = handle<Context>(async (request, { params }) => {
  const user = await authenticate(request);
  const document = await readableDocument(user, validate(idSchema, (await params).id));
  const query = parseQuery(request.url, textQuery);
  const stored = await documentText(document.id);
  if (!stored) throw notFound("Extracted text (the document is not extracted yet)");
  return Response.json({ document: { id: document.id, name: document.name }, ...textWindow(stored, query) });
});
