import * as accountPassword from "../../app/api/account/password/route";
import * as authRoutes from "../../app/api/auth/[...nextauth]/route";
import * as chat from "../../app/api/chat/route";
import * as chatStop from "../../app/api/chat/[id]/stop/route";
import * as chatStream from "../../app/api/chat/[id]/stream/route";
import * as chatMessages from "../../app/api/chats/[id]/messages/route";
import * as chatById from "../../app/api/chats/[id]/route";
import * as chats from "../../app/api/chats/route";
import * as health from "../../app/api/health/route";
import * as collectionGrants from "../../app/api/knowledge/collections/[id]/grants/route";
import * as collectionById from "../../app/api/knowledge/collections/[id]/route";
import * as collections from "../../app/api/knowledge/collections/route";
import * as documentCancel from "../../app/api/knowledge/documents/[id]/cancel/route";
import * as documentChunks from "../../app/api/knowledge/documents/[id]/chunks/route";
import * as documentReindex from "../../app/api/knowledge/documents/[id]/reindex/route";
import * as documentById from "../../app/api/knowledge/documents/[id]/route";
import * as documentText from "../../app/api/knowledge/documents/[id]/text/route";
import * as documents from "../../app/api/knowledge/documents/route";
import * as knowledgeEvents from "../../app/api/knowledge/events/route";
import * as knowledgeSearch from "../../app/api/knowledge/search/route";
import * as knowledgeStatus from "../../app/api/knowledge/status/route";
import * as keyById from "../../app/api/keys/[id]/route";
import * as keys from "../../app/api/keys/route";
import * as messageLatency from "../../app/api/messages/[id]/latency/route";
import * as clientTiming from "../../app/api/performance/client-timing/route";
import * as performanceStats from "../../app/api/performance/route";
import * as sessionById from "../../app/api/sessions/[id]/route";
import * as sessionsRevokeOthers from "../../app/api/sessions/revoke-others/route";
import * as sessions from "../../app/api/sessions/route";
import * as signUp from "../../app/api/sign-up/route";
import * as transcribe from "../../app/api/transcribe/route";
import * as tts from "../../app/api/tts/route";
import * as completions from "../../app/v1/chat/completions/route";
import * as models from "../../app/v1/models/route";
import { createApiKey } from "../../lib/auth/api-keys";
import { createUser } from "../../lib/auth/users";
import { stopJobs } from "../../lib/jobs/boss";
import { startIngestWorker, stopIngestWorker } from "../../lib/rag/ingest/queue";
import { startFakeLlm, type FakeLlm } from "../fake-llm/server";
import { openTestDatabase, type Backend, type TestDatabase } from "./db";
import { serveRoutes } from "./route-server";

export const ROUTES = {
  "/api/chat": chat,
  "/api/chat/:id/stream": chatStream,
  "/api/chat/:id/stop": chatStop,
  "/api/chats": chats,
  "/api/chats/:id": chatById,
  "/api/chats/:id/messages": chatMessages,
  "/api/keys": keys,
  "/api/keys/:id": keyById,
  "/api/sign-up": signUp,
  // Auth.js's endpoints: /api/auth/csrf, /api/auth/callback/credentials, /api/auth/signout...
  "/api/auth/:action": authRoutes,
  "/api/auth/:action/:provider": authRoutes,
  "/api/sessions": sessions,
  // Before "/api/sessions/:id", which would match it too (Next prefers the static segment).
  "/api/sessions/revoke-others": sessionsRevokeOthers,
  "/api/sessions/:id": sessionById,
  "/api/account/password": accountPassword,
  "/api/health": health,
  "/api/performance": performanceStats,
  "/api/performance/client-timing": clientTiming,
  "/api/messages/:id/latency": messageLatency,
  "/api/knowledge/documents": documents,
  "/api/knowledge/documents/:id": documentById,
  "/api/knowledge/documents/:id/cancel": documentCancel,
  "/api/knowledge/documents/:id/reindex": documentReindex,
  "/api/knowledge/documents/:id/chunks": documentChunks,
  "/api/knowledge/documents/:id/text": documentText,
  "/api/knowledge/events": knowledgeEvents,
  "/api/knowledge/collections": collections,
  "/api/knowledge/collections/:id": collectionById,
  "/api/knowledge/collections/:id/grants": collectionGrants,
  "/api/knowledge/search": knowledgeSearch,
  "/api/knowledge/status": knowledgeStatus,
  "/api/tts": tts,
  "/api/transcribe": transcribe,
  "/v1/chat/completions": completions,
  "/v1/models": models,
};

export interface TestApp {
  url: string;
  fake: FakeLlm;
  database: TestDatabase;
  /** Creates a user and an API key; returns fetch helpers that send it. */
  user(email?: string): Promise<TestUser>;
  close(): Promise<void>;
}

export interface TestUser {
  id: string;
  email: string;
  key: string;
  fetch(path: string, init?: RequestInit & { json?: unknown }): Promise<Response>;
}

let counter = 0;

/**
 * The app's routes over HTTP, on a fresh database, talking to a fresh fake
 * model server. With `ingest`, the knowledge base's ingestion worker runs too.
 */
export async function startTestApp(
  backend: Backend,
  env: Record<string, string> = {},
  { ingest = false }: { ingest?: boolean } = {},
): Promise<TestApp> {
  const database = await openTestDatabase(backend);
  const fake = await startFakeLlm();
  // Tests never fetch a real embedding model from the internet (an online CI would download one).
  Object.assign(process.env, { LLM_BASE_URL: fake.url, LLM_MODEL: "fake-model", EMBEDDINGS_DOWNLOAD: "0", ...env });
  if (ingest) await startIngestWorker();
  const server = await serveRoutes(ROUTES);
  return {
    url: server.url,
    fake,
    database,
    async user(email = `user${++counter}-${Date.now()}@example.com`) {
      const created = await createUser({ email, password: "correct horse battery" });
      const { key } = await createApiKey(created.id, "test");
      return {
        ...created,
        key,
        fetch: (path, { json, headers, ...init } = {}) =>
          fetch(server.url + path, {
            ...init,
            headers: {
              authorization: `Bearer ${key}`,
              ...(json === undefined ? {} : { "content-type": "application/json" }),
              ...headers,
            },
            body: json === undefined ? init.body : JSON.stringify(json),
          }),
      };
    },
    async close() {
      await server.close();
      await stopIngestWorker();
      await stopJobs();
      await fake.close();
      await database.close();
    },
  };
}

export interface SseEvent {
  id?: number;
  data: string;
}

/** Reads a whole SSE response into events. */
export async function readSse(response: Response): Promise<SseEvent[]> {
  const text = await response.text();
  return parseSse(text);
}

export function parseSse(text: string): SseEvent[] {
  return text
    .split("\n\n")
    .filter((block) => block.trim() !== "")
    .map((block) => {
      const event: SseEvent = { data: "" };
      for (const line of block.split("\n")) {
        if (line.startsWith("id: ")) event.id = Number(line.slice(4));
        else if (line.startsWith("data: ")) event.data += line.slice(6);
      }
      return event;
    });
}

/** The UI message chunks of an /api/chat response (JSON events, without [DONE]). */
export function uiChunks(events: SseEvent[]): Array<Record<string, unknown> & { type: string }> {
  return events.filter((e) => e.data !== "[DONE]").map((e) => JSON.parse(e.data));
}

export function streamedText(events: SseEvent[]): string {
  return uiChunks(events)
    .filter((c) => c.type === "text-delta")
    .map((c) => c.delta as string)
    .join("");
}

export async function waitFor<T>(probe: () => Promise<T | undefined | null | false>, timeoutMs = 5_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > until) throw new Error("waitFor timed out");
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
