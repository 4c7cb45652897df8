import { changePassword } from "@/lib/auth/account";
import { route } from "@/lib/http/route";
import { changePasswordSchema } from "./schema";

/** Changes the caller's password (403 when the current one is wrong) and signs out their other sessions. */
export const POST = route({ access: "user", body: { json: changePasswordSchema, maxBytes: 10_000 } }, async ({ user, body }) =>
  Response.json(await changePassword(user, body)),
);
