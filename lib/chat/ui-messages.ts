import type { MessagePart, StoredMessage } from "../db/queries/messages";

export interface UiMessageMetadata {
  seq?: number;
  status?: "complete" | "partial" | "error" | "streaming" | "interrupted";
  model?: string | null;
  error?: string | null;
  ttftMs?: number | null;
  completionTokens?: number | null;
  requestId?: string;
}

export interface UiMessage {
  id: string;
  role: "user" | "assistant";
  parts: MessagePart[];
  metadata?: UiMessageMetadata;
}

/** A stored message as the chat UI (AI SDK useChat) shows it. */
export function toUiMessage(message: StoredMessage): UiMessage {
  return {
    // The UI keeps the id it gave a user message, so edits find it again.
    id: message.role === "user" ? (message.clientId ?? message.id) : message.id,
    role: message.role === "assistant" ? "assistant" : "user",
    parts: (message.parts as unknown as UiMessage["parts"]) ?? [],
    metadata: {
      seq: message.seq,
      status: message.status,
      model: message.model,
      error: message.error,
      ttftMs: message.ttftMs,
      completionTokens: message.completionTokens,
    },
  };
}
