import { z } from "zod";

export const ttsSchema = z.object({
  /** Length is checked against TTS_MAX_CHARS in the handler (413 with the limit). */
  text: z.string("text must be a string").min(1, "text must not be empty"),
  voice: z
    .string()
    .trim()
    .min(1, "voice must not be empty")
    .max(64, "voice must be at most 64 characters")
    .regex(/^[\w.+:-]+$/, "voice may hold letters, digits and . _ + : - only")
    .optional(),
  speed: z.number("speed must be a number").min(0.5, "speed must be at least 0.5").max(2, "speed must be at most 2").optional(),
  /** The text is Markdown (an assistant message): code blocks, links and markers are not read out. */
  markdown: z.boolean().optional(),
  /** Server-sent events, one per sentence, instead of one audio file. */
  stream: z.boolean().optional(),
});
