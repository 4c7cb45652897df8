import { authenticate } from "@/lib/auth/authenticate";
import { toUiMessage } from "@/lib/chat/ui-messages";
import { getChat } from "@/lib/db/queries/chats";
import { listMessages } from "@/lib/db/queries/messages";
import { handle } from "@/lib/http/handler";
import { parseQuery, validate } from "@/lib/http/parse";
import { chatIdSchema, messagesQuerySchema } from "../schema";

/** One page of a chat's history: `?before=<seq>` for older messages. */
export const GET = handle<{ params: Promise<{ id: string }> }>(async (request, { params }) => {
  const user = await authenticate(request);
  const id = validate(chatIdSchema, (await params).id);
  const { before, limit } = parseQuery(request.url, messagesQuerySchema);
  await getChat(user.id, id);
  const page = await listMessages(id, { beforeSeq: before, limit });
  return Response.json({ messages: page.messages.map(toUiMessage), hasMore: page.hasMore });
});
