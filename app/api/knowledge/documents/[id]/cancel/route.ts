import { route } from "@/lib/http/route";
import { cancelIngestion } from "@/lib/rag/documents";
import { idParams } from "../../../schema";

export const POST = route({ access: "user", params: idParams }, async ({ user, params }) =>
  Response.json({ document: await cancelIngestion(user, params.id) }),
);
