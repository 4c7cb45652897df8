import { revokeApiKey } from "@/lib/auth/api-keys";
import { authenticate } from "@/lib/auth/authenticate";
import { handle } from "@/lib/http/handler";

export const DELETE = handle<{ params: Promise<{ id: string }> }>(async (request, { params }) => {
  const user = await authenticate(request);
  await revokeApiKey(user.id, (await params).id);
  return new Response(null, { status: 204 });
});
