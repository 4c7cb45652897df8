"use client";

import { createContext, useContext, useSyncExternalStore } from "react";
import type { UrlContext } from "./markdown-urls";
// The provider wraps every page (app/layout.tsx), so this runs in every page's browser bundle.
import "./zod-jitless";

/**
 * The admin's MARKDOWN_IMAGE_HOSTS, read on the server (app/layout.tsx) and
 * handed to the Markdown renderer, which shows images from those hosts inline.
 */
const ImageHostsContext = createContext<readonly string[]>([]);

export function ImageHostsProvider({ hosts, children }: { hosts: readonly string[]; children: React.ReactNode }) {
  return <ImageHostsContext.Provider value={hosts}>{children}</ImageHostsContext.Provider>;
}

const noSubscription = () => () => {};

/** Allowed image hosts and the page's origin (null during server rendering and hydration). */
export function useUrlContext(): UrlContext {
  const imageHosts = useContext(ImageHostsContext);
  const origin = useSyncExternalStore(
    noSubscription,
    () => window.location.origin,
    () => null,
  );
  return { imageHosts, origin };
}
