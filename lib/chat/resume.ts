import { getChat } from "../db/queries/chats";
import { countAnswerStream } from "../telemetry/metrics";
import type { Trace } from "../telemetry/trace";
import { lastMessage } from "../db/queries/messages";
import { answerStreamResponse, lastEventId } from "./answer-stream";
import { turnRegistry } from "./streams";

/**
 * A chat's latest answer stream for a client coming back (a reload, a second
 * tab, a lost connection): the running turn's, or, when it has just ended, the
 * last answer's own stream while the store still keeps it, so a client that
 * saw it start also sees how it ended. Null when there is nothing to follow.
 */
export async function resumeChatStream(request: Request, userId: string, chatId: string, trace: Trace): Promise<Response | null> {
  await getChat(userId, chatId);
  trace.fields.chatId = chatId;
  const active = await turnRegistry().active(chatId);
  const streamId = active?.userId === userId ? active.streamId : (await lastMessage(chatId))?.id;
  if (!streamId) return null;
  const after = lastEventId(request);
  // Traced like any request: the dashboard shows how long a coming-back client waits for its first event.
  const response = await answerStreamResponse(streamId, after, request.signal, {
    headers: { "x-chat-id": chatId, "x-request-id": trace.id },
    chatId,
    onFirstEvent: () => {
      const at = trace.now();
      trace.stages.push({ name: "first_replay", startMs: 0, durationMs: at });
      trace.fields.ttftMs = at;
    },
    onEnd: (complete) => trace.save(complete ? "ok" : "aborted"),
  });
  if (response) countAnswerStream(after > 0 ? "reconnect" : "resume");
  return response;
}
