-- Where ANALYZE runs (PostgreSQL's autovacuum), the planner took "grain = 86400
-- AND userId = ''" for a third of all rollup rows: per-user rollups are daily
-- and the everyone rows are '' at every grain, so each condition alone is
-- common. It then scanned every rollup row for a 30-day view (117 ms of 190 ms
-- at a million traces, bench:performance). Statistics on the pair let it count
-- the rows the condition really selects and use the primary key.
CREATE STATISTICS "TraceRollup_grain_userId_stats" (mcv) ON "grain", "userId" FROM "TraceRollup";
CREATE STATISTICS "TraceStageRollup_grain_userId_stats" (mcv) ON "grain", "userId" FROM "TraceStageRollup";
