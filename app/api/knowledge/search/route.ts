import { authenticate } from "@/lib/auth/authenticate";
import { handle } from "@/lib/http/handler";
import { parseJson } from "@/lib/http/parse";
import { retrieve } from "@/lib/rag/retrieve";
import { searchSchema } from "../schema";

/** Searches the user's knowledge base the way a chat turn does, and shows what it found. */
export const POST = handle(async (request) => {
  const user = await authenticate(request);
  const { query, mode, topK } = await parseJson(request, searchSchema);
  return Response.json(await retrieve({ userId: user.id, query, mode, topK, signal: request.signal }));
});
