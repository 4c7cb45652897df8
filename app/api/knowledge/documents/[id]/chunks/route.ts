import { listChunks } from "@/lib/db/queries/chunks";
import { readableDocument } from "@/lib/db/queries/documents";
import { route } from "@/lib/http/route";
import { chunksQuery, idParams } from "../../../schema";

/** The document's chunks in order, a page at a time (the knowledge page's preview). */
export const GET = route({ access: "user", params: idParams, query: chunksQuery }, async ({ user, params, query }) => {
  const document = await readableDocument(user, params.id);
  return Response.json({ total: document.chunkCount, chunks: await listChunks(document.id, query) });
});
