"use client";

import { createContext, useContext, useState } from "react";
import { Sidebar } from "./sidebar";

const SidebarToggle = createContext<() => void>(() => {});

/** Opens the chat list on narrow screens (it is always shown on wide ones). */
export function useSidebarToggle() {
  return useContext(SidebarToggle);
}

export function ChatShell({ user, children }: { user: { email: string; role: string }; children: React.ReactNode }) {
  const [open, setOpen] = useState(false);
  return (
    <SidebarToggle.Provider value={() => setOpen((value) => !value)}>
      <div className="flex h-dvh overflow-hidden">
        <Sidebar user={user} open={open} onClose={() => setOpen(false)} />
        <div className="flex min-w-0 flex-1 flex-col">{children}</div>
      </div>
    </SidebarToggle.Provider>
  );
}
