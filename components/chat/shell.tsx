"use client";

import { createContext, useContext, useEffect, useState } from "react";
import { Sidebar } from "./sidebar";

const SetTitle = createContext<(title: string) => void>(() => {});

/** Sets the title shown in the header above the page. */
export function useShellTitle(title: string) {
  const setTitle = useContext(SetTitle);
  useEffect(() => setTitle(title), [setTitle, title]);
}

function useIsWide() {
  const [wide, setWide] = useState(true);
  useEffect(() => {
    const query = window.matchMedia("(min-width: 768px)");
    const update = () => setWide(query.matches);
    update();
    query.addEventListener("change", update);
    return () => query.removeEventListener("change", update);
  }, []);
  return wide;
}

/**
 * The signed-in frame: the chat list and a header. On narrow screens the list
 * is a drawer opened from the header; closed, it is inert (no focus, not read).
 */
export function ChatShell({ user, children }: { user: { email: string; role: string }; children: React.ReactNode }) {
  const [open, setOpen] = useState(false);
  const [title, setTitle] = useState("");
  const wide = useIsWide();

  useEffect(() => {
    if (!open) return;
    const onKey = (event: KeyboardEvent) => event.key === "Escape" && setOpen(false);
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [open]);

  return (
    <SetTitle.Provider value={setTitle}>
      <div className="flex h-dvh overflow-hidden">
        <Sidebar user={user} open={open} hidden={!wide && !open} onClose={() => setOpen(false)} />
        <div className="flex min-w-0 flex-1 flex-col">
          <header className="flex min-h-11 items-center gap-2 border-b border-zinc-200 px-3 py-2">
            <button
              type="button"
              onClick={() => setOpen((value) => !value)}
              className="rounded-md border border-zinc-300 px-2.5 py-1 text-sm md:hidden"
              aria-label="Open chats"
              aria-expanded={open}
              aria-controls="chat-list"
            >
              ☰
            </button>
            <h1 className="truncate text-sm font-medium text-zinc-700">{title}</h1>
          </header>
          {children}
        </div>
      </div>
    </SetTitle.Provider>
  );
}
