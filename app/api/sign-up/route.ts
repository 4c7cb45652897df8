import { createUser, userCount } from "@/lib/auth/users";
import { config } from "@/lib/config";
import { forbidden } from "@/lib/http/errors";
import { route } from "@/lib/http/route";
import { signUpSchema } from "./schema";

export const POST = route({ access: "none", body: { json: signUpSchema, maxBytes: 10_000 } }, async ({ body }) => {
  if (!config.auth.openSignUp && (await userCount()) > 0) {
    throw forbidden("Sign-up is closed on this server. Ask an admin to create your account.");
  }
  const user = await createUser(body);
  return Response.json({ user }, { status: 201 });
});
