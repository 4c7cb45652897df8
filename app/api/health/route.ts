import { checkHealth } from "@/lib/health";
import { handle } from "@/lib/http/handler";

export const dynamic = "force-dynamic";

/** Public: 200 when Parley can answer, 503 with the reasons when it cannot. */
export const GET = handle(async () => {
  const health = await checkHealth();
  return Response.json(health, { status: health.status === "ok" ? 200 : 503 });
});
