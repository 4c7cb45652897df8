import type { NextConfig } from "next";
import { apiSecurityHeaders } from "./lib/http/security-headers";

const asList = (headers: Record<string, string>) => Object.entries(headers).map(([key, value]) => ({ key, value }));

const nextConfig: NextConfig = {
  // e2e builds into their own folder so they never clash with a developer's build.
  distDir: process.env.NEXT_DIST_DIR || ".next",
  // Server-only packages with WASM, native addons or their own workers: load
  // them from node_modules at run time rather than bundling them.
  serverExternalPackages: [
    "@electric-sql/pglite",
    "@electric-sql/pglite-pgvector",
    "pglite-prisma-adapter",
    "@prisma/client",
    "@prisma/adapter-pg",
    "pg",
    "node-llama-cpp",
    "bcryptjs",
  ],
  // SSE must never be gzipped: compression buffers the stream.
  compress: false,
  poweredByHeader: false,
  devIndicators: false,
  // forbidden(): admin pages answer 403 to other signed-in users.
  experimental: { authInterrupts: true },
  // Pages get their CSP and the rest from proxy.ts (a fresh nonce per request).
  async headers() {
    const api = asList(apiSecurityHeaders());
    return [
      // Everything, static files included: a file is only ever what its Content-Type says.
      { source: "/:path*", headers: [{ key: "X-Content-Type-Options", value: "nosniff" }] },
      { source: "/api/:path*", headers: api },
      { source: "/v1/:path*", headers: api },
    ];
  },
};

export default nextConfig;
