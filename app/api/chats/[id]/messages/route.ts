import { toUiMessage } from "@/lib/chat/ui-messages";
import { getChat } from "@/lib/db/queries/chats";
import { listMessages } from "@/lib/db/queries/messages";
import { route } from "@/lib/http/route";
import { chatParams, messagesQuerySchema } from "../schema";

/** One page of a chat's history: `?before=<seq>` for older messages. */
export const GET = route({ access: "user", params: chatParams, query: messagesQuerySchema }, async ({ user, params, query }) => {
  await getChat(user.id, params.id);
  const page = await listMessages(params.id, { beforeSeq: query.before, limit: query.limit });
  return Response.json({ messages: page.messages.map(toUiMessage), hasMore: page.hasMore });
});
