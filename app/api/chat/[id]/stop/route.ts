import { stopChat } from "@/lib/chat/generation";
import { getChat } from "@/lib/db/queries/chats";
import { route } from "@/lib/http/route";
import { chatParams } from "../schema";

/** Stops the chat's running answer wherever it runs; the text so far is stored as a partial answer. */
export const POST = route({ access: "user", params: chatParams }, async ({ user, params }) => {
  await getChat(user.id, params.id);
  return Response.json(await stopChat(params.id, user.id));
});
