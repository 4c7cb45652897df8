import type { Metadata, Viewport } from "next";
import { connection } from "next/server";
import { ImageHostsProvider } from "@/components/chat/image-hosts";
import { config } from "@/lib/config";
import "./globals.css";

export const metadata: Metadata = {
  title: "Parley",
  description: "Self-hosted chat on your own models",
};

export const viewport: Viewport = { width: "device-width", initialScale: 1 };

export default async function RootLayout({ children }: { children: React.ReactNode }) {
  // Every page is rendered per request: Next can only stamp the request's CSP
  // nonce (proxy.ts) on its scripts then; a page prerendered at build time
  // would carry none, and the browser would refuse all of its scripts.
  await connection();
  return (
    <html lang="en">
      <body>
        <ImageHostsProvider hosts={config.chat.markdownImageHosts}>{children}</ImageHostsProvider>
      </body>
    </html>
  );
}
