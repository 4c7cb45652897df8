import { createApiKey, listApiKeys } from "@/lib/auth/api-keys";
import { route } from "@/lib/http/route";
import { createKeySchema } from "./schema";

export const GET = route({ access: "user" }, async ({ user }) => Response.json({ keys: await listApiKeys(user.id) }));

/** Creates a key; the response is the only time the full key is shown. */
export const POST = route({ access: "user", body: { json: createKeySchema } }, async ({ user, body }) => {
  const { key, apiKey } = await createApiKey(user.id, body.name);
  return Response.json({ key, apiKey }, { status: 201 });
});
