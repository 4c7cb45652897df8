import { randomUUID } from "node:crypto";
import { redirect } from "next/navigation";

export const dynamic = "force-dynamic";

/**
 * A new chat: a fresh id, so the address is the chat's own from the start and
 * "New chat" always gets a new page. The chat is stored with its first message.
 */
export default function NewChatPage() {
  redirect(`/chat/${randomUUID()}`);
}
