import { route } from "@/lib/http/route";
import { reindexDocument } from "@/lib/rag/documents";
import { idParams } from "../../../schema";

export const POST = route({ access: "user", params: idParams }, async ({ user, params }) =>
  Response.json({ document: await reindexDocument(user, params.id) }, { status: 202 }),
);
