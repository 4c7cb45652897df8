import { authenticateAdmin } from "@/lib/auth/authenticate";
import { handle } from "@/lib/http/handler";
import { scrapeMetrics } from "@/lib/telemetry/metrics";

export const dynamic = "force-dynamic";

/**
 * Prometheus metrics, for administrators only: Prometheus scrapes with an
 * admin's API key as a bearer token (see README, "Metrics and tracing").
 */
export const GET = handle(async (request) => {
  await authenticateAdmin(request);
  const { body, contentType } = await scrapeMetrics();
  return new Response(body, { headers: { "content-type": contentType, "cache-control": "no-store" } });
});
