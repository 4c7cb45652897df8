-- Latency dashboard: what each trace needs for filtering, browser-reported
-- timings, and hourly rollups so the dashboard reads a few thousand rows, not
-- millions of traces.

ALTER TABLE "RequestTrace" ADD COLUMN "retrieval" BOOLEAN NOT NULL DEFAULT false;
ALTER TABLE "RequestTrace" ADD COLUMN "bottleneck" TEXT;
UPDATE "RequestTrace" t SET "retrieval" = true
  WHERE EXISTS (SELECT 1 FROM "TraceStage" s WHERE s."traceId" = t.id
                AND s.name IN ('query_embedding', 'lexical_search', 'vector_search', 'rerank'));
CREATE INDEX "RequestTrace_chatId_startedAt_idx" ON "RequestTrace"("chatId", "startedAt");
CREATE INDEX "RequestTrace_messageId_idx" ON "RequestTrace"("messageId");

-- What only the browser sees, reported after the answer. No foreign key to the
-- trace: the report can arrive before the batched trace is written. Reads join
-- on the trace id and the user, so a report about someone else's request is ignored.
CREATE TABLE "ClientTiming" (
    "traceId" TEXT NOT NULL,
    "userId" TEXT NOT NULL,
    "connectMs" DOUBLE PRECISION,
    "firstTokenOnScreenMs" DOUBLE PRECISION,
    "reportedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "ClientTiming_pkey" PRIMARY KEY ("traceId")
);
CREATE INDEX "ClientTiming_reportedAt_idx" ON "ClientTiming"("reportedAt");
ALTER TABLE "ClientTiming" ADD CONSTRAINT "ClientTiming_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- Latency histograms: bin 0 holds [0, 1) ms, bin i >= 1 holds [1.1^(i-1), 1.1^i) ms,
-- the last bin everything above (1.1^158 ms is about 57 minutes). A percentile read
-- from them is within 5 % of the exact one.
CREATE FUNCTION parley_latency_bin(ms DOUBLE PRECISION) RETURNS INTEGER
  LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE WHEN ms IS NULL THEN NULL WHEN ms < 1 THEN 0
              ELSE LEAST(159, 1 + floor(ln(ms) / ln(1.1))::int) END
$$;

CREATE FUNCTION parley_add_counts(a INTEGER[], b INTEGER[]) RETURNS INTEGER[]
  LANGUAGE sql IMMUTABLE AS $$
  SELECT array_agg(COALESCE(x, 0) + COALESCE(y, 0) ORDER BY i) FROM unnest(a, b) WITH ORDINALITY AS t(x, y, i)
$$;

-- One row per hour, kind, model ('' for none) and whether the knowledge base was searched.
CREATE TABLE "TraceRollup" (
    "hour" TIMESTAMP(3) NOT NULL,
    "kind" TEXT NOT NULL,
    "model" TEXT NOT NULL,
    "retrieval" BOOLEAN NOT NULL,
    "count" INTEGER NOT NULL,
    "okCount" INTEGER NOT NULL,
    "totalSum" DOUBLE PRECISION NOT NULL,
    "ttftSum" DOUBLE PRECISION NOT NULL,
    "ttftCount" INTEGER NOT NULL,
    "tokensPerSecSum" DOUBLE PRECISION NOT NULL,
    "tokensPerSecCount" INTEGER NOT NULL,
    "totalHist" INTEGER[] NOT NULL,
    "ttftHist" INTEGER[] NOT NULL,
    CONSTRAINT "TraceRollup_pkey" PRIMARY KEY ("hour", "kind", "model", "retrieval")
);

CREATE TABLE "TraceStageRollup" (
    "hour" TIMESTAMP(3) NOT NULL,
    "kind" TEXT NOT NULL,
    "model" TEXT NOT NULL,
    "retrieval" BOOLEAN NOT NULL,
    "stage" TEXT NOT NULL,
    "count" INTEGER NOT NULL,
    "sumMs" DOUBLE PRECISION NOT NULL,
    "bottleneckCount" INTEGER NOT NULL,
    CONSTRAINT "TraceStageRollup_pkey" PRIMARY KEY ("hour", "kind", "model", "retrieval", "stage")
);

-- Adds the given (already stored) traces to the rollups. The trace writer calls it
-- for each batch it stores; each trace must be added exactly once.
CREATE FUNCTION parley_roll_up_traces(ids TEXT[]) RETURNS VOID
  LANGUAGE sql AS $$
  WITH t AS (
    SELECT date_trunc('hour', "startedAt") AS hour, kind, COALESCE(model, '') AS model, retrieval,
           outcome, "totalMs", "ttftMs", "tokensPerSec"
    FROM "RequestTrace" WHERE id = ANY(ids)
  ),
  total_bins AS (
    SELECT hour, kind, model, retrieval, jsonb_object_agg(bin, n) AS bins
    FROM (SELECT hour, kind, model, retrieval, parley_latency_bin("totalMs") AS bin, count(*)::int AS n
          FROM t GROUP BY 1, 2, 3, 4, 5) b
    GROUP BY 1, 2, 3, 4
  ),
  ttft_bins AS (
    SELECT hour, kind, model, retrieval, jsonb_object_agg(bin, n) AS bins
    FROM (SELECT hour, kind, model, retrieval, parley_latency_bin("ttftMs") AS bin, count(*)::int AS n
          FROM t WHERE "ttftMs" IS NOT NULL GROUP BY 1, 2, 3, 4, 5) b
    GROUP BY 1, 2, 3, 4
  ),
  sums AS (
    SELECT hour, kind, model, retrieval, count(*)::int AS count,
           (count(*) FILTER (WHERE outcome = 'ok'))::int AS ok_count,
           sum("totalMs") AS total_sum, COALESCE(sum("ttftMs"), 0) AS ttft_sum, count("ttftMs")::int AS ttft_count,
           COALESCE(sum("tokensPerSec"), 0) AS tps_sum, count("tokensPerSec")::int AS tps_count
    FROM t GROUP BY 1, 2, 3, 4
  )
  INSERT INTO "TraceRollup" AS r (hour, kind, model, retrieval, count, "okCount", "totalSum", "ttftSum", "ttftCount",
                                  "tokensPerSecSum", "tokensPerSecCount", "totalHist", "ttftHist")
  SELECT s.hour, s.kind, s.model, s.retrieval, s.count, s.ok_count, s.total_sum, s.ttft_sum, s.ttft_count, s.tps_sum, s.tps_count,
         (SELECT array_agg(COALESCE((tb.bins ->> i::text)::int, 0) ORDER BY i) FROM generate_series(0, 159) i),
         (SELECT array_agg(COALESCE((fb.bins ->> i::text)::int, 0) ORDER BY i) FROM generate_series(0, 159) i)
  FROM sums s
  JOIN total_bins tb USING (hour, kind, model, retrieval)
  LEFT JOIN ttft_bins fb USING (hour, kind, model, retrieval)
  ON CONFLICT (hour, kind, model, retrieval) DO UPDATE SET
    count = r.count + excluded.count,
    "okCount" = r."okCount" + excluded."okCount",
    "totalSum" = r."totalSum" + excluded."totalSum",
    "ttftSum" = r."ttftSum" + excluded."ttftSum",
    "ttftCount" = r."ttftCount" + excluded."ttftCount",
    "tokensPerSecSum" = r."tokensPerSecSum" + excluded."tokensPerSecSum",
    "tokensPerSecCount" = r."tokensPerSecCount" + excluded."tokensPerSecCount",
    "totalHist" = parley_add_counts(r."totalHist", excluded."totalHist"),
    "ttftHist" = parley_add_counts(r."ttftHist", excluded."ttftHist");

  INSERT INTO "TraceStageRollup" AS r (hour, kind, model, retrieval, stage, count, "sumMs", "bottleneckCount")
  SELECT date_trunc('hour', t."startedAt"), t.kind, COALESCE(t.model, ''), t.retrieval, s.name,
         count(*)::int, sum(s."durationMs"), (count(*) FILTER (WHERE t.bottleneck = s.name))::int
  FROM "RequestTrace" t JOIN "TraceStage" s ON s."traceId" = t.id
  WHERE t.id = ANY(ids)
  GROUP BY 1, 2, 3, 4, 5
  ON CONFLICT (hour, kind, model, retrieval, stage) DO UPDATE SET
    count = r.count + excluded.count,
    "sumMs" = r."sumMs" + excluded."sumMs",
    "bottleneckCount" = r."bottleneckCount" + excluded."bottleneckCount";
$$;

-- Traces stored before this migration: add them to the rollups once.
SELECT parley_roll_up_traces(ARRAY(SELECT id FROM "RequestTrace"));
