import { prisma, sql } from "../client";
import { notFound } from "../../http/errors";

export interface ChatSummary {
  id: string;
  title: string;
  updatedAt: Date;
}

const summarySelect = { id: true, title: true, updatedAt: true } as const;

/** A user's chats, newest first, optionally filtered by a title search. */
export async function listChats(
  userId: string,
  { query, limit = 100, before }: { query?: string; limit?: number; before?: Date } = {},
): Promise<ChatSummary[]> {
  const db = await prisma();
  return db.chat.findMany({
    where: {
      userId,
      ...(query ? { title: { contains: query, mode: "insensitive" as const } } : {}),
      ...(before ? { updatedAt: { lt: before } } : {}),
    },
    orderBy: { updatedAt: "desc" },
    take: limit,
    select: summarySelect,
  });
}

/** The chat if it belongs to the user; 404 otherwise (also for other users' chats). */
export async function getChat(userId: string, chatId: string) {
  const db = await prisma();
  const chat = await db.chat.findFirst({ where: { id: chatId, userId } });
  if (!chat) throw notFound("Chat");
  return chat;
}

/** Whether any user has a chat with this id. */
export async function chatExists(chatId: string): Promise<boolean> {
  const db = await prisma();
  return (await db.chat.count({ where: { id: chatId } })) > 0;
}

/**
 * The chat with this id, created for the user when it does not exist yet (the
 * client picks the id of a new chat). Another user's chat id is a 404.
 */
export interface TurnChat {
  id: string;
  userId: string;
  titleByUser: boolean;
  summary: string | null;
  summarizedSeq: number;
}

const TURN_CHAT_COLUMNS = `id, "userId", "titleByUser", summary, "summarizedSeq"`;

/** The user's chat for a turn, or null when no chat has this id; another user's chat is a 404. */
export async function findTurnChat(userId: string, chatId: string): Promise<TurnChat | null> {
  const db = await sql();
  // Plain SQL: this runs on every chat turn.
  const [chat] = await db.query<TurnChat>(`SELECT ${TURN_CHAT_COLUMNS} FROM "Chat" WHERE id = $1`, [chatId]);
  if (chat && chat.userId !== userId) throw notFound("Chat");
  return chat ?? null;
}

export async function ensureChat(
  userId: string,
  chatId: string,
  title: string,
  retried = false,
): Promise<{ chat: TurnChat; created: boolean }> {
  const existing = await findTurnChat(userId, chatId);
  if (existing) return { chat: existing, created: false };
  const db = await sql();
  const [created] = await db.query<TurnChat>(
    `INSERT INTO "Chat" (id, "userId", title, "updatedAt") VALUES ($1, $2, $3, now() AT TIME ZONE 'UTC')
     ON CONFLICT (id) DO NOTHING RETURNING ${TURN_CHAT_COLUMNS}`,
    [chatId, userId, title],
  );
  if (created) return { chat: created, created: true };
  // Created by a concurrent request a moment ago: only usable if it is this user's.
  if (retried) throw notFound("Chat");
  return ensureChat(userId, chatId, title, true);
}

export async function renameChat(userId: string, chatId: string, title: string): Promise<ChatSummary> {
  const db = await prisma();
  const { count } = await db.chat.updateMany({ where: { id: chatId, userId }, data: { title, titleByUser: true } });
  if (count === 0) throw notFound("Chat");
  return db.chat.findUniqueOrThrow({ where: { id: chatId }, select: summarySelect });
}

export async function deleteChat(userId: string, chatId: string): Promise<void> {
  const db = await prisma();
  const { count } = await db.chat.deleteMany({ where: { id: chatId, userId } });
  if (count === 0) throw notFound("Chat");
}

/** Sets a generated title unless the user has named the chat (plain SQL: once per new chat, under load). */
export async function setGeneratedTitle(chatId: string, title: string): Promise<void> {
  const db = await sql();
  await db.query(`UPDATE "Chat" SET title = $2 WHERE id = $1 AND NOT "titleByUser"`, [chatId, title]);
}

export async function saveSummary(chatId: string, summary: string, summarizedSeq: number): Promise<void> {
  const db = await prisma();
  // Never move the summary backwards if two summaries race.
  await db.chat.updateMany({
    where: { id: chatId, summarizedSeq: { lt: summarizedSeq } },
    data: { summary, summarizedSeq },
  });
}
