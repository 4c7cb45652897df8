"use client";

import { useShellTitle } from "./shell";

/** Lets a server-rendered page name itself in the header. */
export function ShellTitle({ title }: { title: string }) {
  useShellTitle(title);
  return null;
}
