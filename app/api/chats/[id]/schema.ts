import { z } from "zod";

export const chatIdSchema = z.uuid("The chat id must be a UUID.");
export const chatParams = z.object({ id: chatIdSchema });

export const renameSchema = z.object({
  title: z.string().trim().min(1, "title must not be empty").max(120, "title must be at most 120 characters"),
});

export const messagesQuerySchema = z.object({
  before: z.coerce.number().int().min(1).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});
