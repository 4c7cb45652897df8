import { route } from "@/lib/http/route";
import { performanceReport, RANGES } from "@/lib/telemetry/performance-report";
import { performanceQuery } from "./schema";

export const dynamic = "force-dynamic";

/** Admins (session or API key): the latency dashboard's statistics as JSON. */
export const GET = route({ access: "admin", query: performanceQuery }, async ({ query }) => {
  const to = query.to ? new Date(query.to) : new Date();
  const from = query.from ? new Date(query.from) : new Date(to.getTime() - RANGES[query.range] * 3_600_000);
  const report = await performanceReport(
    {
      from,
      to,
      kind: query.kind,
      model: query.model,
      userId: query.user,
      retrieval: query.retrieval === undefined ? undefined : query.retrieval === "with",
      chatId: query.chat,
    },
    { limit: query.limit },
  );
  return Response.json(report, { headers: { "cache-control": "no-store" } });
});
