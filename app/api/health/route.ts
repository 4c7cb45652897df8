import { checkHealth, publicHealth } from "@/lib/health";
import { route } from "@/lib/http/route";

export const dynamic = "force-dynamic";

/**
 * 200 when Parley can answer, 503 with the reasons when it cannot. Anyone gets
 * the status and generic reasons; administrators (session or API key) get the
 * details: database, model, knowledge base and speech, with their errors.
 */
export const GET = route({ access: "optional" }, async ({ user }) => {
  const health = await checkHealth();
  const status = health.status === "ok" ? 200 : 503;
  const headers = { "cache-control": "no-store" };
  return Response.json(user?.role === "admin" ? health : publicHealth(health), { status, headers });
});
