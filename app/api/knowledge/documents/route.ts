import { config } from "@/lib/config";
import { listDocuments } from "@/lib/db/queries/documents";
import { readUpload, validate } from "@/lib/http/parse";
import { route } from "@/lib/http/route";
import { uploadDocuments } from "@/lib/rag/documents";
import { listDocumentsQuery, uploadFieldsSchema } from "../schema";

export const GET = route({ access: "user", query: listDocumentsQuery }, async ({ user, query }) =>
  Response.json({ documents: await listDocuments(user, query.collectionId) }),
);

/** Upload (multipart, field "files"): 202 with the accepted documents; rejected files say why. */
export const POST = route({ access: "user", body: "handler" }, async ({ request, user }) => {
  // The cap depends on settings read per request, so the body is read here rather than by the spec.
  const { maxFileBytes, maxFilesPerUpload } = config.knowledge;
  const { files, fields } = await readUpload(request, { field: "files", maxBytes: maxFileBytes * maxFilesPerUpload + 1024 * 1024 });
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
