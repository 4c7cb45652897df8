import { z } from "zod";
import { authenticate } from "@/lib/auth/authenticate";
import { listChats } from "@/lib/db/queries/chats";
import { handle } from "@/lib/http/handler";
import { parseQuery } from "@/lib/http/parse";

const querySchema = z.object({
  q: z.string().max(200, "q is too long").optional(),
  limit: z.coerce.number().int().min(1).max(200).default(100),
});

export const GET = handle(async (request) => {
  const user = await authenticate(request);
  const { q, limit } = parseQuery(request.url, querySchema);
  return Response.json({ chats: await listChats(user.id, { query: q?.trim() || undefined, limit }) });
});
