-- Rollup histograms keep only the span from their first to their last non-empty
-- bin. Subscript i still holds bin i - 1 (PostgreSQL arrays may start at any
-- subscript: '[75:77]={2,0,5}' counts bins 74-76). A dense 160-bin array made
-- the dashboard unnest 320 counts per rollup row: at 30 days (~5,800 rows for
-- chat) that alone took ~0.3 s in the embedded database (bench:performance);
-- trimmed, an hour's row holds a few dozen.

-- The sum of two histograms, trimmed ('{}' when both are empty).
CREATE OR REPLACE FUNCTION parley_add_counts(a INTEGER[], b INTEGER[]) RETURNS INTEGER[]
  LANGUAGE sql IMMUTABLE AS $$
  WITH s AS (
    SELECT i, COALESCE(a[i], 0) + COALESCE(b[i], 0) AS n
    FROM generate_series(least(array_lower(a, 1), array_lower(b, 1)), greatest(array_upper(a, 1), array_upper(b, 1))) i
  ),
  span AS (SELECT min(i) AS lo, max(i) AS hi FROM s WHERE n > 0)
  SELECT COALESCE(
    (SELECT ('[' || span.lo || ':' || span.hi || ']=' || array_agg(s.n ORDER BY s.i)::text)::integer[]
     FROM s WHERE s.i BETWEEN span.lo AND span.hi),
    '{}')
  FROM span
$$;

-- As in 20261121150000_performance, with trimmed histograms.
CREATE OR REPLACE FUNCTION parley_roll_up_traces(ids TEXT[]) RETURNS VOID
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
         parley_add_counts((SELECT array_agg(COALESCE((tb.bins ->> i::text)::int, 0) ORDER BY i) FROM generate_series(0, 159) i), '{}'),
         parley_add_counts((SELECT array_agg(COALESCE((fb.bins ->> i::text)::int, 0) ORDER BY i) FROM generate_series(0, 159) i), '{}')
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

UPDATE "TraceRollup" SET "totalHist" = parley_add_counts("totalHist", '{}'), "ttftHist" = parley_add_counts("ttftHist", '{}');
