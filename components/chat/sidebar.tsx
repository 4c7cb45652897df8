"use client";

import { signOut } from "next-auth/react";
import Link from "next/link";
import { usePathname, useRouter } from "next/navigation";
import { useCallback, useEffect, useState } from "react";
import { CHATS_CHANGED, notifyChatsChanged } from "./events";

interface ChatItem {
  id: string;
  title: string;
  updatedAt: string;
}

export function Sidebar({
  user,
  open,
  hidden,
  onClose,
}: {
  user: { email: string; role: string };
  open: boolean;
  /** Closed drawer on a narrow screen: out of the tab order and the accessibility tree. */
  hidden: boolean;
  onClose: () => void;
}) {
  const [chats, setChats] = useState<ChatItem[]>([]);
  const [query, setQuery] = useState("");
  const [loadError, setLoadError] = useState(false);
  const pathname = usePathname();

  const load = useCallback(async () => {
    try {
      const response = await fetch(`/api/chats?q=${encodeURIComponent(query)}`, { cache: "no-store" });
      if (!response.ok) throw new Error(String(response.status));
      setChats(((await response.json()) as { chats: ChatItem[] }).chats);
      setLoadError(false);
    } catch {
      setLoadError(true);
    }
  }, [query]);

  useEffect(() => {
    const timer = setTimeout(load, query ? 200 : 0);
    window.addEventListener(CHATS_CHANGED, load);
    return () => {
      clearTimeout(timer);
      window.removeEventListener(CHATS_CHANGED, load);
    };
  }, [load, query]);

  useEffect(onClose, [pathname]); // eslint-disable-line react-hooks/exhaustive-deps

  return (
    <>
      {open && <div className="fixed inset-0 z-20 bg-black/30 md:hidden" onClick={onClose} aria-hidden="true" />}
      <nav
        id="chat-list"
        aria-label="Chats"
        inert={hidden}
        className={`fixed inset-y-0 left-0 z-30 flex w-72 flex-col border-r border-zinc-200 bg-zinc-50 transition-transform md:static md:translate-x-0 ${
          open ? "translate-x-0" : "-translate-x-full"
        } ${hidden ? "invisible" : ""}`}
      >
        <div className="flex items-center justify-between gap-2 p-3">
          <span className="font-semibold text-blue-800">Parley</span>
          <Link
            href="/"
            className="rounded-md bg-blue-700 px-3 py-1.5 text-sm font-medium text-white hover:bg-blue-800"
            onClick={onClose}
          >
            New chat
          </Link>
        </div>
        <div className="px-3 pb-2">
          <input
            type="search"
            aria-label="Search chats"
            placeholder="Search chats"
            value={query}
            onChange={(event) => setQuery(event.target.value)}
            className="w-full rounded-md border border-zinc-300 bg-white px-2 py-1.5 text-sm"
          />
        </div>
        <ul className="flex-1 space-y-0.5 overflow-y-auto px-2" aria-label="Your chats">
          {loadError && <li className="px-2 py-1 text-sm text-red-700">Could not load chats.</li>}
          {!loadError && chats.length === 0 && (
            <li className="px-2 py-1 text-sm text-zinc-500">{query ? "No chat matches." : "No chats yet."}</li>
          )}
          {chats.map((chat) => (
            <ChatRow key={chat.id} chat={chat} active={pathname === `/chat/${chat.id}`} onChanged={load} />
          ))}
        </ul>
        <div className="space-y-1 border-t border-zinc-200 p-3 text-sm">
          <p className="truncate text-zinc-600" title={user.email}>
            {user.email}
            {user.role === "admin" && <span className="ml-1 rounded bg-zinc-200 px-1 text-xs">admin</span>}
          </p>
          <div className="flex flex-wrap gap-x-3 gap-y-1">
            <PageLink href="/knowledge" current={pathname}>
              Knowledge
            </PageLink>
            {user.role === "admin" && (
              <PageLink href="/admin/performance" current={pathname}>
                Performance
              </PageLink>
            )}
            <PageLink href="/settings" current={pathname}>
              Settings
            </PageLink>
            <button type="button" className="text-blue-700 underline" onClick={() => signOut({ redirectTo: "/sign-in" })}>
              Sign out
            </button>
          </div>
        </div>
      </nav>
    </>
  );
}

function ChatRow({ chat, active, onChanged }: { chat: ChatItem; active: boolean; onChanged: () => void }) {
  const router = useRouter();
  const [editing, setEditing] = useState(false);
  const [title, setTitle] = useState(chat.title);
  const [error, setError] = useState<string | null>(null);

  async function rename(event: React.FormEvent) {
    event.preventDefault();
    const response = await fetch(`/api/chats/${chat.id}`, {
      method: "PATCH",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ title }),
    });
    if (!response.ok) {
      setError(((await response.json()) as { error: { message: string } }).error.message);
      return;
    }
    setEditing(false);
    setError(null);
    notifyChatsChanged();
  }

  async function remove() {
    if (!window.confirm(`Delete "${chat.title}"? This cannot be undone.`)) return;
    const response = await fetch(`/api/chats/${chat.id}`, { method: "DELETE" });
    if (!response.ok && response.status !== 404) {
      setError("Could not delete the chat.");
      return;
    }
    onChanged();
    if (active) router.push("/");
  }

  if (editing) {
    return (
      <li>
        <form onSubmit={rename} className="flex gap-1 p-1">
          <input
            aria-label="Chat title"
            value={title}
            autoFocus
            onChange={(event) => setTitle(event.target.value)}
            className="min-w-0 flex-1 rounded border border-zinc-300 px-1 text-sm"
          />
          <button type="submit" className="text-sm text-blue-700">
            Save
          </button>
          <button type="button" className="text-sm text-zinc-600" onClick={() => setEditing(false)}>
            Cancel
          </button>
        </form>
        {error && <p className="px-1 text-xs text-red-700">{error}</p>}
      </li>
    );
  }
  return (
    <li className={`group flex items-center rounded-md ${active ? "bg-zinc-200" : "hover:bg-zinc-100"}`}>
      <Link href={`/chat/${chat.id}`} className="min-w-0 flex-1 truncate px-2 py-1.5 text-sm" aria-current={active ? "page" : undefined}>
        {chat.title}
      </Link>
      <span className="flex gap-1 pr-1 md:hidden md:group-focus-within:flex md:group-hover:flex">
        <button
          type="button"
          aria-label={`Rename ${chat.title}`}
          className="rounded px-1.5 py-1 text-xs text-zinc-600 hover:bg-zinc-300"
          onClick={() => {
            setTitle(chat.title);
            setEditing(true);
          }}
        >
          Rename
        </button>
        <button
          type="button"
          aria-label={`Delete ${chat.title}`}
          className="rounded px-1.5 py-1 text-xs text-red-700 hover:bg-red-100"
          onClick={remove}
        >
          Delete
        </button>
      </span>
    </li>
  );
}

function PageLink({ href, current, children }: { href: string; current: string | null; children: React.ReactNode }) {
  return (
    <Link href={href} className="text-blue-700 underline aria-[current=page]:font-semibold" aria-current={current === href ? "page" : undefined}>
      {children}
    </Link>
  );
}
