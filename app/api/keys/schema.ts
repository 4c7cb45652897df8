import { z } from "zod";

export const createKeySchema = z.object({
  name: z.string().trim().min(1, "name must not be empty").max(80, "name must be at most 80 characters"),
});
