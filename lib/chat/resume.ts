import { getChat } from "../db/queries/chats";
import { countAnswerStream } from "../telemetry/metrics";
import { lastMessage } from "../db/queries/messages";
import { answerStreamResponse, lastEventId } from "./answer-stream";
import { turnRegistry } from "./streams";

/**
 * A chat's latest answer stream for a client coming back (a reload, a second
 * tab, a lost connection): the running turn's, or, when it has just ended, the
 * last answer's own stream while the store still keeps it, so a client that
 * saw it start also sees how it ended. Null when there is nothing to follow.
 */
export async function resumeChatStream(request: Request, userId: string, chatId: string): Promise<Response | null> {
  await getChat(userId, chatId);
  const active = await turnRegistry().active(chatId);
  const streamId = active?.userId === userId ? active.streamId : (await lastMessage(chatId))?.id;
  if (!streamId) return null;
  const after = lastEventId(request);
  const response = await answerStreamResponse(streamId, after, request.signal, { headers: { "x-chat-id": chatId }, chatId });
  if (response) countAnswerStream(after > 0 ? "reconnect" : "resume");
  return response;
}
