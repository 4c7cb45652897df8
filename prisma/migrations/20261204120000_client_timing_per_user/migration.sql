-- A browser-timing report is kept per (request, reporting user): a report filed
-- under another user's request id no longer occupies that request's only row.
ALTER TABLE "ClientTiming" DROP CONSTRAINT "ClientTiming_pkey";
ALTER TABLE "ClientTiming" ADD CONSTRAINT "ClientTiming_pkey" PRIMARY KEY ("traceId", "userId");
