import { z } from "zod";
import { passwordSchema } from "@/lib/auth/users";

export const changePasswordSchema = z.object({
  currentPassword: z.string().min(1, "currentPassword must not be empty").max(200, "currentPassword is too long"),
  newPassword: passwordSchema,
});
