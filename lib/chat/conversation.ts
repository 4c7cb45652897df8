import type { ChatModelProvider } from "../ai/types";
import type { AuthUser } from "../auth/users";
import { config } from "../config";
import { createStreamingAnswer, discardAnswer, finishAnswer } from "../db/queries/answers";
import { ensureChat, findTurnChat } from "../db/queries/chats";
import {
  appendMessage,
  deleteMessagesFrom,
  findMessage,
  lastMessage,
  recentMessages,
  textOf,
  type HistoryRow,
  type MessagePart,
} from "../db/queries/messages";
import { badRequest } from "../http/errors";
import type { Trace } from "../telemetry/trace";
import { generateTitle, provisionalTitle, runInBackground, summarizeDropped } from "./background";
import type { HistoryMessage } from "./context";
import type { TurnRequest, TurnResult } from "./turn";

export type ChatTrigger = "submit-message" | "regenerate-message";

export interface ChatTurnInput {
  user: AuthUser;
  chatId: string;
  trigger: ChatTrigger;
  /** The user's new message (submit); ignored for regenerate. */
  message?: { clientId: string; text: string };
  /** Submit: the user message being edited. Regenerate: the answer being replaced. */
  messageId?: string;
  /** The new answer's id (also its stream's). */
  answerId: string;
  /** The generating process, holding the answer's lease while it streams. */
  owner: string;
}

const NOT_ENDING_WITH_USER = "The conversation does not end with a user message.";

// Enough history to fill any sensible context budget; older messages are summarized.
const HISTORY_WINDOW = 200;

/**
 * Prepares a turn of a stored chat: creates the chat on its first message,
 * applies an edit or a regenerate, commits the user's message before the model
 * is called, and loads the history the prompt is built from. Returns the turn
 * request for runTurn, with persistence and background work wired in.
 */
export async function prepareChatTurn(
  input: ChatTurnInput,
  trace: Trace,
  provider: ChatModelProvider,
  signal: AbortSignal,
): Promise<TurnRequest> {
  const { user, chatId } = input;
  // A chat is created only with a message to store in it: a regenerate of an
  // unknown chat must not leave an empty chat behind.
  const chat = await trace.time("history_load", async () =>
    input.message
      ? (await ensureChat(user.id, chatId, provisionalTitle(input.message.text))).chat
      : await findTurnChat(user.id, chatId),
  );
  if (!chat) throw badRequest(NOT_ENDING_WITH_USER);
  trace.fields.chatId = chat.id;

  await trace.time("save_message", async () => {
    if (input.trigger === "regenerate-message") await removeRegeneratedAnswer(chat.id, input.messageId);
    else if (!input.message) throw badRequest("message is required.");
    else if (input.messageId) {
      // Editing: the edited message and everything after it is replaced.
      const edited = await findMessage(chat.id, input.messageId);
      if (edited.role !== "user") throw badRequest("Only your own messages can be edited.");
      await deleteMessagesFrom(chat.id, edited.seq);
    }
    // On regenerate this stores the user's message only if it never arrived
    // (a retry after a failed send); a stored one is found by its client id.
    if (input.message) {
      await appendMessage(chat.id, {
        role: "user",
        clientId: input.message.clientId,
        parts: [{ type: "text", text: input.message.text }],
      });
    }
  });

  const stored = await trace.time("history_load", () => recentMessages(chat.id, chat.summarizedSeq, HISTORY_WINDOW));
  const history = stored.map(toHistory).filter((m): m is HistoryMessage => m !== null);
  if (history.at(-1)?.role !== "user") throw badRequest(NOT_ENDING_WITH_USER);

  const isFirstTurn = !chat.titleByUser && stored.filter((m) => m.role === "user").length === 1;
  // The answer's row exists from the start (status "streaming", checkpointed as it streams, so a
  // crash keeps what was written). Stored while the model is asked, not before: no wait added.
  const answerRow = createStreamingAnswer(chat.id, { id: input.answerId, model: provider.modelName, owner: input.owner, leaseMs: config.chat.leaseMs });
  answerRow.catch(() => {}); // awaited (and reported) by persist
  return {
    trace,
    provider,
    history,
    summary: chat.summary,
    signal,
    messageId: input.answerId,
    knowledge: { userId: user.id },
    persist: async (result) => {
      await answerRow;
      // Nothing was shown for a stop before the first token: store nothing.
      if (result.status === "partial" && result.text === "") return discardAnswer(result.messageId);
      await finishAnswer(result.messageId, {
        parts: answerParts(result),
        status: result.status,
        error: result.error?.message ?? null,
        promptTokens: result.promptTokens ?? null,
        completionTokens: result.completionTokens ?? null,
        ttftMs: result.ttftMs === undefined ? null : Math.round(result.ttftMs),
        durationMs: Math.round(trace.now()),
      });
      if (isFirstTurn && result.status === "complete") {
        const first = history.find((m) => m.role === "user")?.text ?? "";
        runInBackground(`title:${chat.id}`, () => generateTitle(provider, user.id, chat.id, first));
      }
    },
    onDropped: (dropped) =>
      runInBackground(`summary:${chat.id}`, () => summarizeDropped(provider, user.id, chat.id, chat.summary, dropped)),
  };
}

/** Removes the answer being regenerated (and anything after it); by default the last one. */
async function removeRegeneratedAnswer(chatId: string, messageId: string | undefined) {
  const target = messageId ? await findMessage(chatId, messageId) : await lastMessage(chatId);
  if (target?.role === "assistant") await deleteMessagesFrom(chatId, target.seq);
  else if (messageId) throw badRequest("Only an answer can be regenerated.");
}

/** The stored answer: its text, and what the knowledge base gave it (sources for the citation cards). */
export function answerParts(result: Pick<TurnResult, "text" | "knowledge">): MessagePart[] {
  const parts: MessagePart[] = [{ type: "text", text: result.text }];
  if (result.knowledge) parts.push({ type: "data-knowledge", data: result.knowledge });
  return parts;
}

function toHistory(message: HistoryRow): HistoryMessage | null {
  if (message.role === "system") return null;
  return { seq: message.seq, role: message.role, text: textOf(message.parts) };
}

export function assertMessageLength(text: string) {
  const limit = config.chat.maxMessageChars;
  if (text.length > limit) {
    throw badRequest(`The message is ${text.length} characters long; the limit is ${limit}.`);
  }
  if (text.trim() === "") throw badRequest("The message is empty.");
}
