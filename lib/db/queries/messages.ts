import { prisma } from "../client";
import type { Prisma } from "../generated/client";
import { notFound } from "../../http/errors";

export type MessageStatus = "complete" | "partial" | "error";

export interface TextPart {
  type: "text";
  text: string;
}

export interface NewMessage {
  id?: string;
  role: "user" | "assistant";
  parts: TextPart[];
  clientId?: string;
  status?: MessageStatus;
  error?: string | null;
  model?: string | null;
  promptTokens?: number | null;
  completionTokens?: number | null;
  ttftMs?: number | null;
  durationMs?: number | null;
}

const messageSelect = {
  id: true,
  seq: true,
  clientId: true,
  role: true,
  parts: true,
  status: true,
  error: true,
  model: true,
  promptTokens: true,
  completionTokens: true,
  ttftMs: true,
  durationMs: true,
  createdAt: true,
} as const;

export type StoredMessage = Prisma.MessageGetPayload<{ select: typeof messageSelect }>;

export function textOf(parts: unknown): string {
  if (!Array.isArray(parts)) return "";
  return parts
    .filter((p): p is TextPart => typeof p === "object" && p !== null && (p as TextPart).type === "text")
    .map((p) => p.text)
    .join("");
}

/**
 * Appends a message at the end of the chat. The seq comes from the chat row's
 * counter, bumped in the same transaction, so concurrent appends never clash.
 * A user message re-sent with the same client id is returned, not stored twice.
 */
export async function appendMessage(chatId: string, message: NewMessage): Promise<StoredMessage> {
  const db = await prisma();
  if (message.clientId) {
    const existing = await db.message.findUnique({
      where: { chatId_clientId: { chatId, clientId: message.clientId } },
      select: messageSelect,
    });
    if (existing) return existing;
  }
  return db.$transaction(async (tx) => {
    const { lastSeq } = await tx.chat.update({
      where: { id: chatId },
      data: { lastSeq: { increment: 1 } },
      select: { lastSeq: true },
    });
    return tx.message.create({
      data: {
        ...message,
        parts: message.parts as unknown as Prisma.InputJsonValue,
        chatId,
        seq: lastSeq,
      },
      select: messageSelect,
    });
  });
}

/**
 * One page of a chat's messages, oldest first: the newest `limit` messages, or
 * those before `beforeSeq`. Reads through the (chatId, seq) index, so a long
 * chat opens as fast as a short one.
 */
export async function listMessages(
  chatId: string,
  { beforeSeq, limit }: { beforeSeq?: number; limit: number },
): Promise<{ messages: StoredMessage[]; hasMore: boolean }> {
  const db = await prisma();
  const rows = await db.message.findMany({
    where: { chatId, ...(beforeSeq !== undefined ? { seq: { lt: beforeSeq } } : {}) },
    orderBy: { seq: "desc" },
    take: limit + 1,
    select: messageSelect,
  });
  const hasMore = rows.length > limit;
  return { messages: rows.slice(0, limit).reverse(), hasMore };
}

/** The newest messages after `afterSeq`, oldest first, at most `limit`. */
export async function recentMessages(chatId: string, afterSeq: number, limit: number): Promise<StoredMessage[]> {
  const db = await prisma();
  const rows = await db.message.findMany({
    where: { chatId, seq: { gt: afterSeq } },
    orderBy: { seq: "desc" },
    take: limit,
    select: messageSelect,
  });
  return rows.reverse();
}

/** Finds a message of the chat by its id or the id the client gave it. */
export async function findMessage(chatId: string, id: string): Promise<StoredMessage> {
  const db = await prisma();
  const message = await db.message.findFirst({
    where: { chatId, OR: [{ id }, { clientId: id }] },
    select: messageSelect,
  });
  if (!message) throw notFound("Message");
  return message;
}

/** Removes the message at `seq` and everything after it (edit and regenerate). */
export async function deleteMessagesFrom(chatId: string, seq: number): Promise<number> {
  const db = await prisma();
  const { count } = await db.message.deleteMany({ where: { chatId, seq: { gte: seq } } });
  return count;
}

export async function lastMessage(chatId: string): Promise<StoredMessage | null> {
  const db = await prisma();
  return db.message.findFirst({ where: { chatId }, orderBy: { seq: "desc" }, select: messageSelect });
}
