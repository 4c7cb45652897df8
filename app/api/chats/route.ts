import { z } from "zod";
import { listChats } from "@/lib/db/queries/chats";
import { route } from "@/lib/http/route";

const querySchema = z.object({
  q: z.string().max(200, "q is too long").optional(),
  limit: z.coerce.number().int().min(1).max(200).default(100),
});

export const GET = route({ access: "user", query: querySchema }, async ({ user, query: { q, limit } }) =>
  Response.json({ chats: await listChats(user.id, { query: q?.trim() || undefined, limit }) }),
);
