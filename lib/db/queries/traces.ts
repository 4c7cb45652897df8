import { sql } from "../client";
import type { StageTiming } from "../../telemetry/trace";
import type { PerformanceFilter } from "./performance";

/** One request as the dashboard's request list and the chat's latency report show it. */
export interface TraceView {
  id: string;
  kind: string;
  source: string;
  userId: string | null;
  userEmail: string | null;
  chatId: string | null;
  messageId: string | null;
  model: string | null;
  outcome: string;
  error: string | null;
  startedAt: string;
  totalMs: number;
  ttftMs: number | null;
  completionTokens: number | null;
  tokensPerSec: number | null;
  retrieval: boolean;
  bottleneck: string | null;
  /** What the browser reported: send → response headers, send → first text painted. */
  connectMs: number | null;
  firstTokenOnScreenMs: number | null;
  stages: StageTiming[];
}

// The browser's report counts only when it came from the request's own user.
const SELECT_TRACES = `
  SELECT t.id, t.kind, t.source, t."userId", u.email AS "userEmail", t."chatId", t."messageId", t.model, t.outcome, t.error,
         (extract(epoch FROM t."startedAt") * 1000)::float8 AS "startedAt", t."totalMs", t."ttftMs", t."completionTokens", t."tokensPerSec", t.retrieval, t.bottleneck,
         c."connectMs", c."firstTokenOnScreenMs",
         COALESCE((SELECT json_agg(json_build_object('name', s.name, 'startMs', s."startMs", 'durationMs', s."durationMs")
                                   ORDER BY s."startMs")
                   FROM "TraceStage" s WHERE s."traceId" = t.id), '[]'::json) AS stages
  FROM "RequestTrace" t
  LEFT JOIN "User" u ON u.id = t."userId"
  LEFT JOIN "ClientTiming" c ON c."traceId" = t.id AND c."userId" = t."userId"`;

// Times leave SQL as epoch milliseconds: node-pg would read a timestamp without time zone as local time.
function toView(row: Omit<TraceView, "startedAt" | "stages"> & { startedAt: number; stages: StageTiming[] | string }): TraceView {
  return {
    ...row,
    startedAt: new Date(row.startedAt).toISOString(),
    stages: typeof row.stages === "string" ? (JSON.parse(row.stages) as StageTiming[]) : row.stages,
  };
}

/**
 * Where the newest `limit` requests matching a filter for everyone start: the
 * start of the newest hour from which the hourly rollups count at least that
 * many, or the filter's own start if they count fewer.
 *
 * The embedded database has no planner statistics (no autovacuum): asked for the
 * newest 50 requests of one model over 30 days, it sorted the whole month's
 * traces (8-10 s at a million traces, bench:performance). Bounded to the hours
 * that hold them, the same query reads about an hour of traces.
 */
async function newestWindowStart(filter: PerformanceFilter, limit: number): Promise<Date> {
  const db = await sql();
  const [row] = await db.query<{ start: number | null }>(
    `SELECT (extract(epoch FROM max(start)) * 1000)::float8 AS start FROM (
       SELECT start, sum(count) OVER (ORDER BY start DESC) AS seen FROM (
         SELECT start, sum(count) AS count FROM "TraceRollup"
         WHERE grain = 3600 AND "userId" = '' AND start >= date_trunc('hour', $1::timestamp) AND start < $2::timestamp
           AND ($3::text IS NULL OR kind = $3) AND ($4::text IS NULL OR model = $4) AND ($5::boolean IS NULL OR retrieval = $5)
         GROUP BY start) hours) running
     WHERE seen >= $6::int`,
    [filter.from.toISOString(), filter.to.toISOString(), filter.kind, filter.model ?? null, filter.retrieval ?? null, limit],
  );
  return row?.start != null && row.start > filter.from.getTime() ? new Date(row.start) : filter.from;
}

/** The newest requests matching the filter (and one chat, for a session view). */
export async function recentTraces(filter: PerformanceFilter, limit: number): Promise<TraceView[]> {
  // Per-user and per-chat filters find their newest traces through the (userId, startedAt) and (chatId, startedAt) indexes.
  const from = filter.userId === undefined && filter.chatId === undefined ? await newestWindowStart(filter, limit) : filter.from;
  const db = await sql();
  const rows = await db.query<Parameters<typeof toView>[0]>(
    `${SELECT_TRACES}
     WHERE t."startedAt" >= $1::timestamp AND t."startedAt" < $2::timestamp
       AND ($3::text IS NULL OR t.kind = $3) AND ($4::text IS NULL OR COALESCE(t.model, '') = $4)
       AND ($5::boolean IS NULL OR t.retrieval = $5) AND ($6::text IS NULL OR t."userId" = $6)
       AND ($7::text IS NULL OR t."chatId" = $7)
     ORDER BY t."startedAt" DESC LIMIT $8::int`,
    [
      from.toISOString(),
      filter.to.toISOString(),
      filter.kind,
      filter.model ?? null,
      filter.retrieval ?? null,
      filter.userId ?? null,
      filter.chatId ?? null,
      limit,
    ],
  );
  return rows.map(toView);
}

/** The latest answer trace of one of the user's messages; null for anyone else's. */
export async function messageTrace(userId: string, messageId: string): Promise<TraceView | null> {
  const db = await sql();
  const rows = await db.query<Parameters<typeof toView>[0]>(
    `${SELECT_TRACES} WHERE t."messageId" = $1 AND t."userId" = $2 AND t.kind = 'chat' ORDER BY t."startedAt" DESC LIMIT 1`,
    [messageId, userId],
  );
  return rows[0] ? toView(rows[0]) : null;
}

/** Stores what the browser measured for one of its requests; a later report replaces the user's own earlier one. */
export async function saveClientTiming(
  userId: string,
  traceId: string,
  timing: { connectMs?: number; firstTokenOnScreenMs?: number },
): Promise<void> {
  const db = await sql();
  await db.query(
    `INSERT INTO "ClientTiming" AS c ("traceId", "userId", "connectMs", "firstTokenOnScreenMs") VALUES ($1, $2, $3, $4)
     ON CONFLICT ("traceId", "userId") DO UPDATE SET "connectMs" = COALESCE(excluded."connectMs", c."connectMs"),
       "firstTokenOnScreenMs" = COALESCE(excluded."firstTokenOnScreenMs", c."firstTokenOnScreenMs"), "reportedAt" = now()`,
    [traceId, userId, timing.connectMs ?? null, timing.firstTokenOnScreenMs ?? null],
  );
}

/** Models and users seen in traces, for the dashboard's filters. */
export async function performanceFilterOptions(): Promise<{ models: string[]; users: Array<{ id: string; email: string }> }> {
  const db = await sql();
  const [models, users] = await Promise.all([
    db.query<{ model: string }>(`SELECT DISTINCT model FROM "TraceRollup" WHERE model <> '' ORDER BY model`),
    db.query<{ id: string; email: string }>(`SELECT id, email FROM "User" ORDER BY email LIMIT 500`),
  ]);
  return { models: models.map((r) => r.model), users };
}
