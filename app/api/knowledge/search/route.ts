import { route } from "@/lib/http/route";
import { retrieve } from "@/lib/rag/retrieve";
import { searchSchema } from "../schema";

/** Searches the user's knowledge base the way a chat turn does, and shows what it found. */
export const POST = route({ access: "user", body: { json: searchSchema, repair: ["query"] } }, async ({ request, user, body }) =>
  Response.json(await retrieve({ userId: user.id, query: body.query, mode: body.mode, topK: body.topK, signal: request.signal })),
);
