-- Rollups at several grains, and per user.
--
-- Hourly rows alone made long ranges slow at a million traces in the embedded
-- database (bench:performance): 30 days meant ~5,800 rows and their histograms,
-- a 6-hour range and every per-user view read the raw traces. A rollup row now
-- covers one bucket of `grain` seconds starting at `start` (date_bin from the
-- Unix epoch, so UTC days), for everyone ("userId" = '') or for one user:
--
--   everyone: 300 (kept FINE_ROLLUP_DAYS, see lib/telemetry/prune.ts), 3600, 21600, 86400
--   per user: 86400
--
-- The dashboard reads the coarsest grain that still gives enough trend points.

DROP TABLE "TraceRollup";
DROP TABLE "TraceStageRollup";

CREATE TABLE "TraceRollup" (
    "grain" INTEGER NOT NULL,
    "start" TIMESTAMP(3) NOT NULL,
    "userId" TEXT NOT NULL,
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
    CONSTRAINT "TraceRollup_pkey" PRIMARY KEY ("grain", "userId", "start", "kind", "model", "retrieval")
);

CREATE TABLE "TraceStageRollup" (
    "grain" INTEGER NOT NULL,
    "start" TIMESTAMP(3) NOT NULL,
    "userId" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "model" TEXT NOT NULL,
    "retrieval" BOOLEAN NOT NULL,
    "stage" TEXT NOT NULL,
    "count" INTEGER NOT NULL,
    "sumMs" DOUBLE PRECISION NOT NULL,
    "bottleneckCount" INTEGER NOT NULL,
    CONSTRAINT "TraceStageRollup_pkey" PRIMARY KEY ("grain", "userId", "start", "kind", "model", "retrieval", "stage")
);

-- The grains rolled up: for everyone, and (per_user) for each user.
CREATE FUNCTION parley_rollup_grains() RETURNS TABLE (grain INTEGER, per_user BOOLEAN)
  LANGUAGE sql IMMUTABLE AS $$
  VALUES (300, false), (3600, false), (21600, false), (86400, false), (86400, true)
$$;

-- A trimmed histogram (see 20261121170000) from parallel arrays of bins and counts.
CREATE FUNCTION parley_histogram(bins INTEGER[], counts INTEGER[]) RETURNS INTEGER[]
  LANGUAGE sql IMMUTABLE AS $$
  WITH c AS (SELECT b, sum(n)::int AS n FROM unnest(bins, counts) AS u(b, n) WHERE b IS NOT NULL GROUP BY b),
       span AS (SELECT min(b) AS lo, max(b) AS hi FROM c)
  SELECT COALESCE(
    (SELECT ('[' || (span.lo + 1) || ':' || (span.hi + 1) || ']=' || array_agg(COALESCE(c.n, 0) ORDER BY i)::text)::integer[]
     FROM generate_series(span.lo, span.hi) i LEFT JOIN c ON c.b = i),
    '{}')
  FROM span
$$;

-- Adds the given (already stored) traces to the rollups of every grain. The trace
-- writer calls it for each batch it stores; each trace must be added exactly once.
CREATE OR REPLACE FUNCTION parley_roll_up_traces(ids TEXT[]) RETURNS VOID
  LANGUAGE sql AS $$
  WITH t AS (
    SELECT g.grain, date_bin(make_interval(secs => g.grain), r."startedAt", TIMESTAMP '1970-01-01') AS start,
           CASE WHEN g.per_user THEN r."userId" ELSE '' END AS "userId",
           r.kind, COALESCE(r.model, '') AS model, r.retrieval, r.outcome, r."totalMs", r."ttftMs", r."tokensPerSec",
           parley_latency_bin(r."totalMs") AS total_bin, parley_latency_bin(r."ttftMs") AS ttft_bin
    FROM "RequestTrace" r CROSS JOIN parley_rollup_grains() g
    WHERE r.id = ANY(ids) AND (NOT g.per_user OR r."userId" IS NOT NULL)
  ),
  bins AS (
    SELECT grain, start, "userId", kind, model, retrieval, total_bin, ttft_bin, count(*)::int AS n
    FROM t GROUP BY 1, 2, 3, 4, 5, 6, 7, 8
  ),
  hists AS (
    SELECT grain, start, "userId", kind, model, retrieval,
           parley_histogram(array_agg(total_bin), array_agg(n)) AS total_hist,
           parley_histogram(array_agg(ttft_bin), array_agg(n)) AS ttft_hist
    FROM bins GROUP BY 1, 2, 3, 4, 5, 6
  ),
  sums AS (
    SELECT grain, start, "userId", kind, model, retrieval, count(*)::int AS count,
           (count(*) FILTER (WHERE outcome = 'ok'))::int AS ok_count,
           sum("totalMs") AS total_sum, COALESCE(sum("ttftMs"), 0) AS ttft_sum, count("ttftMs")::int AS ttft_count,
           COALESCE(sum("tokensPerSec"), 0) AS tps_sum, count("tokensPerSec")::int AS tps_count
    FROM t GROUP BY 1, 2, 3, 4, 5, 6
  )
  INSERT INTO "TraceRollup" AS r (grain, start, "userId", kind, model, retrieval, count, "okCount", "totalSum", "ttftSum", "ttftCount",
                                  "tokensPerSecSum", "tokensPerSecCount", "totalHist", "ttftHist")
  SELECT s.grain, s.start, s."userId", s.kind, s.model, s.retrieval, s.count, s.ok_count, s.total_sum, s.ttft_sum, s.ttft_count,
         s.tps_sum, s.tps_count, h.total_hist, h.ttft_hist
  FROM sums s JOIN hists h USING (grain, start, "userId", kind, model, retrieval)
  ON CONFLICT (grain, "userId", start, kind, model, retrieval) DO UPDATE SET
    count = r.count + excluded.count,
    "okCount" = r."okCount" + excluded."okCount",
    "totalSum" = r."totalSum" + excluded."totalSum",
    "ttftSum" = r."ttftSum" + excluded."ttftSum",
    "ttftCount" = r."ttftCount" + excluded."ttftCount",
    "tokensPerSecSum" = r."tokensPerSecSum" + excluded."tokensPerSecSum",
    "tokensPerSecCount" = r."tokensPerSecCount" + excluded."tokensPerSecCount",
    "totalHist" = parley_add_counts(r."totalHist", excluded."totalHist"),
    "ttftHist" = parley_add_counts(r."ttftHist", excluded."ttftHist");

  INSERT INTO "TraceStageRollup" AS r (grain, start, "userId", kind, model, retrieval, stage, count, "sumMs", "bottleneckCount")
  SELECT g.grain, date_bin(make_interval(secs => g.grain), t."startedAt", TIMESTAMP '1970-01-01'),
         CASE WHEN g.per_user THEN t."userId" ELSE '' END, t.kind, COALESCE(t.model, ''), t.retrieval, s.name,
         count(*)::int, sum(s."durationMs"), (count(*) FILTER (WHERE t.bottleneck = s.name))::int
  FROM "RequestTrace" t JOIN "TraceStage" s ON s."traceId" = t.id CROSS JOIN parley_rollup_grains() g
  WHERE t.id = ANY(ids) AND (NOT g.per_user OR t."userId" IS NOT NULL)
  GROUP BY 1, 2, 3, 4, 5, 6, 7
  ON CONFLICT (grain, "userId", start, kind, model, retrieval, stage) DO UPDATE SET
    count = r.count + excluded.count,
    "sumMs" = r."sumMs" + excluded."sumMs",
    "bottleneckCount" = r."bottleneckCount" + excluded."bottleneckCount";
$$;

-- Existing traces, rolled up again at every grain.
SELECT parley_roll_up_traces(ARRAY(SELECT id FROM "RequestTrace"));
