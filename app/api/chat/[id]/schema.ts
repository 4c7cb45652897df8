import { z } from "zod";

export const chatParams = z.object({ id: z.uuid("The chat id must be a UUID.") });
