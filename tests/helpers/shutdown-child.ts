/**
 * A Parley process for the shutdown test: starts the way the server does
 * (instrumentation.ts's register(), which installs the signal handlers), serves
 * the chat routes over HTTP, prints `READY <url> <api key>`, and runs until a
 * signal ends it. Takes DATABASE_URL or DATA_DIR, LLM_BASE_URL and
 * SHUTDOWN_DRAIN_SECONDS from the environment.
 */
import * as chat from "../../app/api/chat/route";
import * as chatStream from "../../app/api/chat/[id]/stream/route";
import * as chatMessages from "../../app/api/chats/[id]/messages/route";
import * as health from "../../app/api/health/route";
import * as completions from "../../app/v1/chat/completions/route";
import { register } from "../../instrumentation";
import { createApiKey } from "../../lib/auth/api-keys";
import { createUser } from "../../lib/auth/users";
import { serveRoutes } from "./route-server";

// What `next start` gives instrumentation (the Node runtime) and what `npm start` sets.
Object.assign(process.env, { NEXT_RUNTIME: "nodejs", NEXT_MANUAL_SIG_HANDLE: "1" });
await register();
const user = await createUser({ email: `shutdown-${Date.now()}@example.com`, password: "correct horse battery" });
const { key } = await createApiKey(user.id, "shutdown test");
const server = await serveRoutes({
  "/api/chat": chat,
  "/api/chat/:id/stream": chatStream,
  "/api/chats/:id/messages": chatMessages,
  "/api/health": health,
  "/v1/chat/completions": completions,
});
console.log(`READY ${server.url} ${key}`);
