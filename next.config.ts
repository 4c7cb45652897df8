import type { NextConfig } from "next";

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
};

export default nextConfig;
