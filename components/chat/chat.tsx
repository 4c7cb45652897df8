"use client";

import { useChat } from "@ai-sdk/react";
import { DefaultChatTransport } from "ai";
import { useEffect, useMemo, useRef, useState } from "react";
import { describeChatError } from "@/lib/chat/client-errors";
import type { UiMessage, UiMessageMetadata } from "@/lib/chat/ui-messages";
import { Composer } from "./composer";
import { CHATS_CHANGED, notifyChatsChanged } from "./events";
import { MessageView } from "./message";
import { useShellTitle } from "./shell";
import { useClientTiming } from "./use-client-timing";
import { watchHeartbeats } from "./heartbeat";
import { useReconnect } from "./use-reconnect";

type ChatMessage = UiMessage & { metadata?: UiMessageMetadata };

export function Chat({
  id,
  title,
  initialMessages,
  initialHasMore,
}: {
  id: string;
  title: string;
  initialMessages: ChatMessage[];
  initialHasMore: boolean;
}) {
  const [chatTitle, setChatTitle] = useState(title);
  useShellTitle(chatTitle);
  const [hasMore, setHasMore] = useState(initialHasMore);
  const [loadingOlder, setLoadingOlder] = useState(false);
  const isNew = useRef(initialMessages.length === 0);
  const timedFetch = useRef<(input: RequestInfo | URL, init?: RequestInit) => Promise<Response>>(fetch);
  const transport = useMemo(
    () =>
      new DefaultChatTransport<ChatMessage>({
        api: "/api/chat",
        // The server keeps the history: send only the new (or edited) message.
        prepareSendMessagesRequest: ({ id: chatId, messages, trigger, messageId }) => ({
          body: { id: chatId, message: messages.at(-1), trigger, messageId },
        }),
        // The chat exists once the answer starts: show it in the list right away.
        fetch: async (input, init) => {
          const response = await timedFetch.current(input, init);
          if (isNew.current && response.ok) notifyChatsChanged();
          // A stream that goes silent past its heartbeats is a dead connection: fail it so it resumes.
          return watchHeartbeats(response);
        },
      }),
    [],
  );
  // A reload (or another tab) while the last answer is still being written picks it up where it is.
  const lastInitial = initialMessages.at(-1);
  const resume = lastInitial?.role === "assistant" && lastInitial.metadata?.status === "streaming";
  const { messages, setMessages, sendMessage, regenerate, resumeStream, stop, status, error, clearError } = useChat<ChatMessage>({
    id,
    messages: initialMessages,
    transport,
    resume,
    throttle: 30,
    onFinish: () => {
      if (isNew.current) {
        isNew.current = false;
        // The generated title arrives a moment after the answer.
        setTimeout(notifyChatsChanged, 2_500);
      }
      notifyChatsChanged();
    },
  });

  timedFetch.current = useClientTiming(messages);
  const reconnecting = useReconnect({
    status,
    error,
    streamStarted: messages.at(-1)?.role === "assistant",
    resumeStream,
    onResumed: () => void syncLastAnswer(),
  });
  const busy = status === "submitted" || status === "streaming";
  const last = messages.at(-1);
  const storedError = last?.role === "assistant" && last.metadata?.status === "error" ? last.metadata.error : null;
  const errorText = reconnecting ? null : error ? describeChatError(error) : storedError;

  // Follow renames and the generated title (the sidebar announces both).
  useEffect(() => {
    const refresh = async () => {
      const response = await fetch(`/api/chats/${id}`, { cache: "no-store" });
      if (response.ok) setChatTitle(((await response.json()) as { chat: { title: string } }).chat.title);
    };
    window.addEventListener(CHATS_CHANGED, refresh);
    return () => window.removeEventListener(CHATS_CHANGED, refresh);
  }, [id]);

  const scroller = useRef<HTMLDivElement>(null);
  const pinned = useRef(true);
  useEffect(() => {
    const element = scroller.current;
    if (element && pinned.current) element.scrollTop = element.scrollHeight;
  }, [messages, status]);

  async function loadOlder() {
    const oldest = messages[0]?.metadata?.seq;
    if (!oldest) return;
    setLoadingOlder(true);
    try {
      const response = await fetch(`/api/chats/${id}/messages?before=${oldest}&limit=50`);
      if (!response.ok) throw new Error(String(response.status));
      const page = (await response.json()) as { messages: ChatMessage[]; hasMore: boolean };
      const element = scroller.current;
      const fromBottom = element ? element.scrollHeight - element.scrollTop : 0;
      setMessages((current) => [...page.messages, ...current]);
      setHasMore(page.hasMore);
      requestAnimationFrame(() => {
        if (element) element.scrollTop = element.scrollHeight - fromBottom;
      });
    } finally {
      setLoadingOlder(false);
    }
  }

  async function syncLastAnswer() {
    const response = await fetch(`/api/chats/${id}/messages?limit=1`, { cache: "no-store" });
    if (!response.ok) return;
    const [stored] = ((await response.json()) as { messages: ChatMessage[] }).messages;
    if (!stored || stored.role !== "assistant") return;
    setMessages((current) => current.map((message) => (message.id === stored.id ? stored : message)));
  }

  /**
   * Stop is the server's: it stops the answer wherever it is generated (this
   * tab, another tab, another instance) and stores the text so far; this
   * stream then ends with it. Only if the server cannot be asked does the
   * page just stop reading.
   */
  async function stopAnswer() {
    const response = await fetch(`/api/chat/${id}/stop`, { method: "POST" }).catch(() => null);
    if (!response?.ok) {
      void stop();
      return;
    }
    if (status !== "streaming" && status !== "submitted") await syncLastAnswer();
  }

  function retry() {
    clearError();
    void regenerate();
  }

  return (
    <>
      <div
        ref={scroller}
        className="flex-1 overflow-y-auto"
        onScroll={(event) => {
          const element = event.currentTarget;
          pinned.current = element.scrollHeight - element.scrollTop - element.clientHeight < 80;
        }}
      >
        <div
          role="log"
          aria-live="polite"
          aria-relevant="additions text"
          aria-label="Conversation"
          className="mx-auto flex max-w-3xl flex-col gap-4 px-3 py-4 sm:px-6"
        >
          {hasMore && (
            <button
              type="button"
              onClick={loadOlder}
              disabled={loadingOlder}
              className="self-center rounded-md border border-zinc-300 px-3 py-1 text-sm text-zinc-700"
            >
              {loadingOlder ? "Loading…" : "Load earlier messages"}
            </button>
          )}
          {messages.length === 0 && (
            <p className="mt-16 text-center text-zinc-500">Ask anything to start a conversation.</p>
          )}
          {messages.map((message, index) => (
            <MessageView
              key={message.id}
              message={message}
              streaming={busy && index === messages.length - 1 && message.role === "assistant"}
              canRegenerate={!busy && index === messages.length - 1 && message.role === "assistant"}
              canEdit={!busy && message.role === "user"}
              onRegenerate={() => void regenerate({ messageId: message.id })}
              onEdit={(text) => void sendMessage({ text, messageId: message.id })}
            />
          ))}
          {status === "submitted" && !reconnecting && (
            <p className="text-sm text-zinc-500" aria-live="off">
              Thinking…
            </p>
          )}
          {reconnecting && (
            <p role="status" className="self-start rounded-md bg-amber-50 px-3 py-1 text-sm text-amber-800">
              Reconnecting…
            </p>
          )}
          {errorText && !busy && (
            <div role="alert" className="flex items-center justify-between gap-3 rounded-md border border-red-200 bg-red-50 px-3 py-2 text-sm text-red-800">
              <span>{errorText}</span>
              <button type="button" onClick={retry} className="rounded-md bg-red-700 px-3 py-1 font-medium text-white hover:bg-red-800">
                Retry
              </button>
            </div>
          )}
        </div>
      </div>
      <Composer
        busy={busy}
        onSend={(text) => void sendMessage({ text })}
        onStop={() => void stopAnswer()}
      />
    </>
  );
}
