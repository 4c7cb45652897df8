import { randomUUID } from "node:crypto";
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
 * Appends a message at the end of the chat in one statement: the seq comes
 * from the chat row's counter, bumped atomically, so concurrent appends never
 * clash. A user message re-sent with the same client id is not stored twice:
 * the stored one is returned.
 */
export async function appendMessage(chatId: string, message: NewMessage): Promise<StoredMessage> {
  const db = await prisma();
  const id = message.id ?? randomUUID();
  const rows = await db.$queryRaw<StoredMessage[]>`
    WITH next AS (
      UPDATE "Chat" SET "lastSeq" = "lastSeq" + 1, "updatedAt" = now()
      WHERE id = ${chatId}
      RETURNING "lastSeq"
    )
    INSERT INTO "Message" (id, "chatId", seq, "clientId", role, parts, status, error, model,
                           "promptTokens", "completionTokens", "ttftMs", "durationMs")
    SELECT ${id}, ${chatId}, next."lastSeq", ${message.clientId ?? null}, ${message.role}::"MessageRole",
           ${JSON.stringify(message.parts)}::jsonb, ${message.status ?? "complete"}::"MessageStatus",
           ${message.error ?? null}, ${message.model ?? null}, ${message.promptTokens ?? null}::int,
           ${message.completionTokens ?? null}::int, ${message.ttftMs ?? null}::int, ${message.durationMs ?? null}::int
    FROM next
    ON CONFLICT ("chatId", "clientId") DO NOTHING
    RETURNING id, seq, "clientId", role, parts, status, error, model, "promptTokens", "completionTokens",
              "ttftMs", "durationMs", "createdAt"`;
  if (rows[0]) return rows[0];
  // Nothing inserted: either the chat is gone or this client id was stored before.
  const stored = message.clientId
    ? await db.message.findUnique({ where: { chatId_clientId: { chatId, clientId: message.clientId } }, select: messageSelect })
    : null;
  if (!stored) throw notFound("Chat");
  return stored;
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
