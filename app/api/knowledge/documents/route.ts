import { authenticate } from "@/lib/auth/authenticate";
import { config } from "@/lib/config";
import { listDocuments } from "@/lib/db/queries/documents";
import { handle } from "@/lib/http/handler";
import { parseQuery, parseUpload, validate } from "@/lib/http/parse";
import { uploadDocuments } from "@/lib/rag/documents";
import { listDocumentsQuery, uploadFieldsSchema } from "../schema";

export const GET = handle(async (request) => {
  const user = await authenticate(request);
  const { collectionId } = parseQuery(request.url, listDocumentsQuery);
  return Response.json({ documents: await listDocuments(user, collectionId) });
});

/** Upload (multipart, field "files"): 202 with the accepted documents; rejected files say why. */
export const POST = handle(async (request) => {
  const user = await authenticate(request);
  const { maxFileBytes, maxFilesPerUpload } = config.knowledge;
  const { files, fields } = await parseUpload(request, {
    field: "files",
    maxBytes: maxFileBytes * maxFilesPerUpload + 1024 * 1024,
  });
  const { collectionId } = validate(uploadFieldsSchema, fields);
  const outcome = await uploadDocuments(user, files, collectionId);
  if (outcome.accepted.length === 0) {
    // Nothing taken: answer with the first file's own status (413, 415 or 422) and every reason.
    const first = outcome.rejected[0]!;
    return Response.json(
      { error: { code: "rejected", message: rejectionMessage(outcome.rejected) }, rejected: outcome.rejected },
      { status: first.status },
    );
  }
  return Response.json({ documents: outcome.accepted, rejected: outcome.rejected }, { status: 202 });
});

function rejectionMessage(rejected: Array<{ name: string; error: string }>): string {
  return rejected.map((r) => `${r.name}: ${r.error}`).join(" ");
}
