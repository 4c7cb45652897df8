import { randomUUID } from "node:crypto";
import { prisma, sql } from "../client";
import type { Prisma } from "../generated/client";
import { notFound } from "../../http/errors";

export type MessageStatus = "complete" | "partial" | "error" | "streaming" | "interrupted";

export interface TextPart {
  type: "text";
  text: string;
}

/** Extra data stored with an answer (e.g. data-knowledge: its sources), as AI SDK data parts. */
export interface DataPart {
  type: `data-${string}`;
  data: unknown;
}

export type MessagePart = TextPart | DataPart;

export interface NewMessage {
  id?: string;
  role: "user" | "assistant";
  parts: MessagePart[];
  clientId?: string;
  status?: MessageStatus;
  error?: string | null;
  model?: string | null;
  promptTokens?: number | null;
  completionTokens?: number | null;
  ttftMs?: number | null;
  durationMs?: number | null;
  /** A streaming answer's owner and lease (lib/db/queries/answers.ts). */
  lease?: { owner: string; ms: number };
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
 * the stored one is returned. Plain SQL: this runs twice on every chat turn.
 */
export async function appendMessage(chatId: string, message: NewMessage): Promise<{ id: string; seq: number }> {
  const db = await sql();
  const rows = await db.query<{ id: string; seq: number }>(
    `WITH next AS (
       UPDATE "Chat" SET "lastSeq" = "lastSeq" + 1, "updatedAt" = now() AT TIME ZONE 'UTC' WHERE id = $1 RETURNING "lastSeq"
     )
     INSERT INTO "Message" (id, "chatId", seq, "clientId", role, parts, status, error, model,
                            "promptTokens", "completionTokens", "ttftMs", "durationMs", "leaseOwner", "leaseExpiresAt")
     SELECT $2, $1, next."lastSeq", $3, $4::"MessageRole", $5::jsonb, $6::"MessageStatus", $7, $8,
            $9::int, $10::int, $11::int, $12::int, $13::text,
            CASE WHEN $14::int IS NULL THEN NULL ELSE (now() AT TIME ZONE 'UTC') + ($14::int * interval '1 millisecond') END
     FROM next
     ON CONFLICT ("chatId", "clientId") DO NOTHING
     RETURNING id, seq`,
    [
      chatId,
      message.id ?? randomUUID(),
      message.clientId ?? null,
      message.role,
      JSON.stringify(message.parts),
      message.status ?? "complete",
      message.error ?? null,
      message.model ?? null,
      message.promptTokens ?? null,
      message.completionTokens ?? null,
      message.ttftMs ?? null,
      message.durationMs ?? null,
      message.lease?.owner ?? null,
      message.lease?.ms ?? null,
    ],
  );
  if (rows[0]) return rows[0];
  // Nothing inserted: either the chat is gone or this client id was stored before.
  const stored = message.clientId
    ? await db.query<{ id: string; seq: number }>(`SELECT id, seq FROM "Message" WHERE "chatId" = $1 AND "clientId" = $2`, [
        chatId,
        message.clientId,
      ])
    : [];
  if (!stored[0]) throw notFound("Chat");
  return stored[0];
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

export interface HistoryRow {
  seq: number;
  role: "system" | "user" | "assistant";
  parts: unknown;
}

/** The newest messages after `afterSeq`, oldest first, at most `limit`. Plain SQL: runs on every turn. */
export async function recentMessages(chatId: string, afterSeq: number, limit: number): Promise<HistoryRow[]> {
  const db = await sql();
  const rows = await db.query<HistoryRow>(
    `SELECT seq, role, parts FROM "Message" WHERE "chatId" = $1 AND seq > $2 ORDER BY seq DESC LIMIT $3`,
    [chatId, afterSeq, limit],
  );
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

/**
 * The answer that follows the user's message `clientId` in one of `userId`'s
 * chats, if that message was sent before and answered: a client's retry of a
 * send that already went through gets this answer instead of a second one.
 */
export async function answerToClientMessage(userId: string, chatId: string, clientId: string): Promise<StoredMessage | null> {
  const db = await prisma();
  const sent = await db.message.findFirst({
    where: { chatId, clientId, role: "user", chat: { userId } },
    select: { seq: true },
  });
  if (!sent) return null;
  const next = await db.message.findFirst({ where: { chatId, seq: sent.seq + 1 }, select: messageSelect });
  return next?.role === "assistant" ? next : null;
}
