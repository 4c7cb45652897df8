import { config } from "@/lib/config";
import { route } from "@/lib/http/route";
import { knowledgeStatus } from "@/lib/rag/status";

/** How the knowledge base searches now (and what is missing), plus the upload limits, for the knowledge page. */
export const GET = route({ access: "user" }, async () => {
  const status = await knowledgeStatus();
  const { maxFileBytes, maxUserBytes, maxFilesPerUpload } = config.knowledge;
  return Response.json({
    retrieval: status.retrieval,
    notes: status.notes,
    mode: status.mode,
    limits: { maxFileBytes, maxUserBytes, maxFilesPerUpload },
  });
});
