import { sql } from "../client";
import { appendMessage, type MessagePart, type MessageStatus } from "./messages";

/**
 * An assistant answer's row while it is generated: created with status
 * 'streaming' when the generation starts, checkpointed while it streams, and
 * finished (or discarded) when it ends. The lease says which Parley process
 * owns it and until when; a lapsed lease means that process died.
 */

export async function createStreamingAnswer(
  chatId: string,
  answer: { id: string; model: string; owner: string; leaseMs: number },
): Promise<void> {
  await appendMessage(chatId, {
    id: answer.id,
    role: "assistant",
    parts: [{ type: "text", text: "" }],
    status: "streaming",
    model: answer.model,
    lease: { owner: answer.owner, ms: answer.leaseMs },
  });
}

/** Stores the text so far and extends the lease; a no-op once the answer is no longer streaming. */
export async function checkpointAnswer(id: string, parts: MessagePart[], owner: string, leaseMs: number): Promise<void> {
  const db = await sql();
  await db.query(
    `UPDATE "Message" SET parts = $2::jsonb, "leaseOwner" = $3,
       "leaseExpiresAt" = (now() AT TIME ZONE 'UTC') + ($4::int * interval '1 millisecond')
     WHERE id = $1 AND status = 'streaming'`,
    [id, JSON.stringify(parts), owner, leaseMs],
  );
}

export async function renewAnswerLease(id: string, owner: string, leaseMs: number): Promise<void> {
  const db = await sql();
  await db.query(
    `UPDATE "Message" SET "leaseOwner" = $2, "leaseExpiresAt" = (now() AT TIME ZONE 'UTC') + ($3::int * interval '1 millisecond')
     WHERE id = $1 AND status = 'streaming'`,
    [id, owner, leaseMs],
  );
}

export interface FinishedAnswer {
  parts: MessagePart[];
  status: Exclude<MessageStatus, "streaming">;
  error: string | null;
  promptTokens: number | null;
  completionTokens: number | null;
  ttftMs: number | null;
  durationMs: number | null;
}

/** The answer's final state; its lease ends with it. */
export async function finishAnswer(id: string, answer: FinishedAnswer): Promise<void> {
  const db = await sql();
  await db.query(
    `UPDATE "Message" SET parts = $2::jsonb, status = $3::"MessageStatus", error = $4,
       "promptTokens" = $5::int, "completionTokens" = $6::int, "ttftMs" = $7::int, "durationMs" = $8::int,
       "leaseOwner" = NULL, "leaseExpiresAt" = NULL
     WHERE id = $1`,
    [id, JSON.stringify(answer.parts), answer.status, answer.error, answer.promptTokens, answer.completionTokens, answer.ttftMs, answer.durationMs],
  );
}

/** Removes an answer that never showed anything (stopped before its first token). */
export async function discardAnswer(id: string): Promise<void> {
  const db = await sql();
  await db.query(`DELETE FROM "Message" WHERE id = $1 AND role = 'assistant'`, [id]);
}

/** What an interrupted answer says about itself (shown under its text). */
export const INTERRUPTED_MESSAGE = "The server stopped while this answer was being written.";

/**
 * Stores a still-streaming answer as 'interrupted' with its text so far (a
 * shutdown ran out of time for it); a no-op once it has ended another way.
 */
export async function interruptAnswer(id: string, parts: MessagePart[]): Promise<boolean> {
  const db = await sql();
  const rows = await db.query<{ id: string }>(
    `UPDATE "Message" SET parts = $2::jsonb, status = 'interrupted', error = $3, "leaseOwner" = NULL, "leaseExpiresAt" = NULL
     WHERE id = $1 AND status = 'streaming'
     RETURNING id`,
    [id, JSON.stringify(parts), INTERRUPTED_MESSAGE],
  );
  return rows.length > 0;
}

/**
 * Marks answers whose owner is gone as 'interrupted', keeping their
 * checkpointed text: those whose lease lapsed or, with `owner`, every
 * streaming answer not held by that process (the embedded database has one
 * process, so at its start every other owner is dead). Returns how many.
 */
export async function interruptOrphanedAnswers({ exceptOwner }: { exceptOwner?: string } = {}): Promise<number> {
  const db = await sql();
  const rows = await db.query<{ id: string }>(
    `UPDATE "Message" SET status = 'interrupted', "leaseOwner" = NULL, "leaseExpiresAt" = NULL,
       error = $2
     WHERE "leaseExpiresAt" IS NOT NULL AND status = 'streaming'
       AND ("leaseExpiresAt" < (now() AT TIME ZONE 'UTC') OR ($1::text IS NOT NULL AND "leaseOwner" <> $1::text))
     RETURNING id`,
    [exceptOwner ?? null, INTERRUPTED_MESSAGE],
  );
  return rows.length;
}
