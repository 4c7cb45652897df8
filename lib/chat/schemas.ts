import { z } from "zod";

const id = z.string().min(1, "must not be empty").max(200, "is too long");

const uiTextPart = z.object({ type: z.literal("text"), text: z.string() });

/** POST /api/chat: the UI sends only the new message; history comes from the database. */
export const chatRequestSchema = z.object({
  /** The chat's id. New chats get a client-made UUID; API callers may omit it to start one. */
  id: z.uuid("id must be a chat id (a UUID)").optional(),
  /** The new user message: a UI message, or plain text for API callers. */
  message: z
    .union([
      z.string(),
      z.object({
        id,
        role: z.literal("user", "message.role must be \"user\""),
        parts: z.array(z.union([uiTextPart, z.looseObject({ type: z.string() })])).min(1, "message.parts is empty"),
      }),
    ])
    .optional(),
  trigger: z.enum(["submit-message", "regenerate-message"]).default("submit-message"),
  /** With submit: the user message being edited; with regenerate: the answer to replace. */
  messageId: id.optional(),
});

export type ChatRequest = z.infer<typeof chatRequestSchema>;

const openAiContent = z.union([
  z.string(),
  z.array(z.looseObject({ type: z.string(), text: z.string().optional() })),
  z.null(),
]);

/** POST /v1/chat/completions (OpenAI-compatible). Unknown fields are ignored, as OpenAI-compatible servers do. */
export const completionRequestSchema = z.looseObject({
  model: z.string().optional(),
  messages: z
    .array(
      z.looseObject({
        role: z.enum(["system", "developer", "user", "assistant", "tool"]),
        content: openAiContent.optional(),
      }),
    )
    .min(1, "messages must contain at least one message"),
  stream: z.boolean().optional(),
  stream_options: z.looseObject({ include_usage: z.boolean().optional() }).nullish(),
  max_tokens: z.number().int().positive().max(32_768).nullish(),
  max_completion_tokens: z.number().int().positive().max(32_768).nullish(),
  temperature: z.number().min(0).max(2).nullish(),
  /** Parley extension: false answers without the caller's knowledge base (default true). */
  knowledge_base: z.boolean().optional(),
});

export type CompletionRequest = z.infer<typeof completionRequestSchema>;
