import { route } from "@/lib/http/route";
import { scrapeMetrics } from "@/lib/telemetry/metrics";

export const dynamic = "force-dynamic";

/**
 * Prometheus metrics, for administrators only: Prometheus scrapes with an
 * admin's API key as a bearer token (see README, "Metrics and tracing").
 */
export const GET = route({ access: "admin" }, async () => {
  const { body, contentType } = await scrapeMetrics();
  return new Response(body, { headers: { "content-type": contentType, "cache-control": "no-store" } });
});
