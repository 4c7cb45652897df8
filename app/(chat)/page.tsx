import { randomUUID } from "node:crypto";
import { Chat } from "@/components/chat/chat";

export const dynamic = "force-dynamic";

/** A new chat: its id is chosen here and the chat is stored with its first message. */
export default function NewChatPage() {
  const id = randomUUID();
  return <Chat key={id} id={id} title="New chat" initialMessages={[]} initialHasMore={false} />;
}
