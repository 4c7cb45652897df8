import { defineConfig } from "prisma/config";

// The app never reads this file at run time: lib/db/client.ts picks PGlite or
// PostgreSQL itself. It exists so `prisma migrate deploy` works for operators
// who have Prisma's schema engine (see README, "Migrations").
export default defineConfig({
  schema: "prisma/schema.prisma",
  migrations: { path: "prisma/migrations" },
  datasource: { url: process.env.DATABASE_URL ?? "postgresql://localhost:5432/parley" },
});
