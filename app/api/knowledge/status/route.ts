import { authenticate } from "@/lib/auth/authenticate";
import { config } from "@/lib/config";
import { handle } from "@/lib/http/handler";
import { knowledgeStatus } from "@/lib/rag/status";

/** How the knowledge base searches now (and what is missing), plus the upload limits, for the knowledge page. */
export const GET = handle(async (request) => {
  await authenticate(request);
  const status = await knowledgeStatus();
  const { maxFileBytes, maxUserBytes, maxFilesPerUpload } = config.knowledge;
  return Response.json({
    retrieval: status.retrieval,
    notes: status.notes,
    mode: status.mode,
    limits: { maxFileBytes, maxUserBytes, maxFilesPerUpload },
  });
});
