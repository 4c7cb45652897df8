import { createApiKey, listApiKeys } from "@/lib/auth/api-keys";
import { authenticate } from "@/lib/auth/authenticate";
import { handle } from "@/lib/http/handler";
import { parseJson } from "@/lib/http/parse";
import { createKeySchema } from "./schema";

export const GET = handle(async (request) => {
  const user = await authenticate(request);
  return Response.json({ keys: await listApiKeys(user.id) });
});

/** Creates a key; the response is the only time the full key is shown. */
export const POST = handle(async (request) => {
  const user = await authenticate(request);
  const { name } = await parseJson(request, createKeySchema);
  const { key, apiKey } = await createApiKey(user.id, name);
  return Response.json({ key, apiKey }, { status: 201 });
});
