import { documentText, readableDocument } from "@/lib/db/queries/documents";
import { notFound } from "@/lib/http/errors";
import { route } from "@/lib/http/route";
import { textWindow } from "@/lib/rag/text-window";
import { idParams, textQuery } from "../../../schema";

/**
 * The extracted text: all of it, or a passage [start, end) with context
 * around it (a citation opened in context), with page numbers.
 */
export const GET = route({ access: "user", params: idParams, query: textQuery }, async ({ user, params, query }) => {
  const document = await readableDocument(user, params.id);
  const stored = await documentText(document.id);
  if (!stored) throw notFound("Extracted text (the document is not extracted yet)");
  return Response.json({ document: { id: document.id, name: document.name }, ...textWindow(stored, query) });
});
