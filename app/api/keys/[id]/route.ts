import { z } from "zod";
import { revokeApiKey } from "@/lib/auth/api-keys";
import { route } from "@/lib/http/route";

const params = z.object({ id: z.string().min(1).max(100, "The key id is too long.") });

export const DELETE = route({ access: "user", params }, async ({ user, params }) => {
  await revokeApiKey(user.id, params.id);
  return new Response(null, { status: 204 });
});
