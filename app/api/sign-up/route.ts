import { createUser, userCount } from "@/lib/auth/users";
import { config } from "@/lib/config";
import { forbidden } from "@/lib/http/errors";
import { handle } from "@/lib/http/handler";
import { parseJson } from "@/lib/http/parse";
import { signUpSchema } from "./schema";

export const POST = handle(async (request) => {
  const input = await parseJson(request, signUpSchema, { maxBytes: 10_000 });
  if (!config.auth.openSignUp && (await userCount()) > 0) {
    throw forbidden("Sign-up is closed on this server. Ask an admin to create your account.");
  }
  const user = await createUser(input);
  return Response.json({ user }, { status: 201 });
});
