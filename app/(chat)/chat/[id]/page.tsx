import { notFound } from "next/navigation";
import { z } from "zod";
import { Chat } from "@/components/chat/chat";
import { pageUser } from "@/lib/auth/pages";
import { toUiMessage } from "@/lib/chat/ui-messages";
import { config } from "@/lib/config";
import { chatExists, getChat } from "@/lib/db/queries/chats";
import { listMessages } from "@/lib/db/queries/messages";

export const dynamic = "force-dynamic";

export default async function ChatPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  if (!z.uuid().safeParse(id).success) notFound();
  const user = await pageUser();
  const chat = await getChat(user.id, id).catch(() => null);
  if (!chat) {
    // Someone else's chat is "not found"; an unused id is a new, empty chat.
    if (await chatExists(id)) notFound();
    return <Chat key={id} id={id} title="New chat" initialMessages={[]} initialHasMore={false} />;
  }
  const page = await listMessages(chat.id, { limit: config.chat.historyPageSize });
  return (
    <Chat
      key={chat.id}
      id={chat.id}
      title={chat.title}
      initialMessages={page.messages.map(toUiMessage)}
      initialHasMore={page.hasMore}
    />
  );
}
