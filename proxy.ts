import { NextResponse, type NextRequest } from "next/server";
import { config as settings } from "@/lib/config";
import { newNonce, pageSecurityHeaders } from "@/lib/http/security-headers";

/**
 * Pages only (see the matcher): a fresh CSP nonce per request, which Next
 * reads from the request's Content-Security-Policy header and stamps on the
 * scripts it renders (the policy is lib/http/security-headers.ts).
 */
export function proxy(request: NextRequest) {
  const nonce = newNonce();
  const headers = pageSecurityHeaders({
    nonce,
    imageHosts: settings.chat.markdownImageHosts,
    development: process.env.NODE_ENV === "development",
  });
  const forwarded = new Headers(request.headers);
  forwarded.set("x-nonce", nonce);
  forwarded.set("content-security-policy", headers["Content-Security-Policy"]!);
  const response = NextResponse.next({ request: { headers: forwarded } });
  for (const [name, value] of Object.entries(headers)) response.headers.set(name, value);
  return response;
}

export const config = {
  matcher: [
    {
      // Never API routes (/api, /v1): a proxy makes Next buffer request bodies,
      // and those routes read and limit their bodies themselves. Never static
      // files (/_next/static, /_next/image, /vad/, anything with an extension):
      // they get X-Content-Type-Options from next.config.ts and need no nonce.
      source: "/((?!api/|api$|v1/|v1$|_next/static/|_next/image|vad/|.*\\.[A-Za-z0-9]+$).*)",
      // Link prefetches fetch data, not documents.
      missing: [
        { type: "header", key: "next-router-prefetch" },
        { type: "header", key: "purpose", value: "prefetch" },
      ],
    },
  ],
};
