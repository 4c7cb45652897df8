import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { database } from "../../lib/db/client";
import { readSse, startTestApp, streamedText, type TestApp, type TestUser } from "../helpers/app";
import { describeEachBackend } from "../helpers/db";
import { uploadOk } from "../helpers/knowledge";

/**
 * Hostile and careless input sent to every route: NUL characters and lone
 * surrogates in every string of every body, query and path; bodies too large,
 * of the wrong type or not UTF-8. Nothing may answer 5xx, and a refused
 * request may store nothing.
 */

const NUL = "\u0000";
const LONE = "\ud800";
const TABLES = ["User", "ApiKey", "Chat", "Message", "Collection", "CollectionGrant", "Document", "ClientTiming"];

interface Sample {
  method: "GET" | "POST" | "PATCH" | "DELETE";
  path: string;
  /** A valid JSON body, each of whose strings is made hostile in turn. */
  json?: unknown;
  query?: Record<string, string>;
  /** Path segments (":name" in `path`) made hostile in turn. */
  params?: Record<string, string>;
  admin?: boolean;
  /** Fields whose text Parley repairs instead of refusing (the request succeeds). */
  repaired?: string[];
}

/** Every string leaf of a JSON value, as a path and a setter on a copy. */
function stringLeaves(value: unknown, path: (string | number)[] = []): Array<(string | number)[]> {
  if (typeof value === "string") return [path];
  if (Array.isArray(value)) return value.flatMap((v, i) => stringLeaves(v, [...path, i]));
  if (value && typeof value === "object") return Object.entries(value).flatMap(([k, v]) => stringLeaves(v, [...path, k]));
  return [];
}

function withLeaf(value: unknown, path: (string | number)[], make: (s: string) => string): unknown {
  const copy = structuredClone(value);
  let node = copy as Record<string | number, unknown>;
  for (const key of path.slice(0, -1)) node = node[key] as Record<string | number, unknown>;
  const last = path.at(-1)!;
  node[last] = make(node[last] as string);
  return copy;
}

const pattern = (path: (string | number)[]) => path.map((p) => (typeof p === "number" ? "*" : p)).join(".");

describeEachBackend("hostile input on every route", (backend) => {
  let app: TestApp;
  let admin: TestUser;
  let alice: TestUser;
  let ids: Record<string, string>;

  async function counts(): Promise<Record<string, number>> {
    const { sql } = await database();
    const out: Record<string, number> = {};
    for (const table of TABLES) out[table] = Number((await sql.query<{ n: string }>(`SELECT count(*) AS n FROM "${table}"`))[0]!.n);
    return out;
  }

  beforeAll(async () => {
    app = await startTestApp(backend, {}, { ingest: true });
    Object.assign(process.env, { TTS_BASE_URL: app.fake.url, TTS_MODEL: "fake-tts", TTS_VOICE: "fake-voice", ASR_BASE_URL: app.fake.url });
    admin = await app.user();
    alice = await app.user();
    const chat = randomUUID();
    await readSse(await alice.fetch("/api/chat", { method: "POST", json: { id: chat, message: "The first message" } }));
    const [doc] = await uploadOk(alice, [{ name: "notes.txt", bytes: "Lisbon is the capital of Portugal." }]);
    const collection = (await (await admin.fetch("/api/knowledge/collections", { method: "POST", json: { name: "Shared", shared: true } })).json()) as {
      collection: { id: string };
    };
    const key = (await (await alice.fetch("/api/keys", { method: "POST", json: { name: "spare" } })).json()) as { apiKey: { id: string } };
    const messages = (await (await alice.fetch(`/api/chats/${chat}/messages`)).json()) as { messages: Array<{ id: string }> };
    ids = { chat, doc: doc!.id, collection: collection.collection.id, key: key.apiKey.id, message: messages.messages[1]!.id };
  });
  afterAll(async () => {
    for (const name of ["TTS_BASE_URL", "TTS_MODEL", "TTS_VOICE", "ASR_BASE_URL"]) delete process.env[name];
    await app.close();
  });

  const samples = (): Sample[] => [
    { method: "POST", path: "/api/chat", json: { id: randomUUID(), message: "hello fuzz" }, repaired: ["message"] },
    {
      method: "POST",
      path: "/api/chat",
      json: { id: randomUUID(), message: { id: "m1", role: "user", parts: [{ type: "text", text: "hi there" }] } },
      repaired: ["message.parts.*.text"],
    },
    { method: "GET", path: "/api/chats", query: { q: "trip", limit: "10" } },
    { method: "GET", path: "/api/chats/:id", params: { id: ids.chat! } },
    { method: "PATCH", path: "/api/chats/:id", params: { id: ids.chat! }, json: { title: "A new title" } },
    { method: "GET", path: "/api/chats/:id/messages", params: { id: ids.chat! }, query: { limit: "10", before: "5" } },
    { method: "DELETE", path: "/api/chats/:id", params: { id: randomUUID() } },
    { method: "POST", path: "/api/keys", json: { name: "my key" } },
    { method: "DELETE", path: "/api/keys/:id", params: { id: randomUUID() } },
    { method: "POST", path: "/api/sign-up", json: { email: "fuzz@example.com", password: "long enough password" } },
    { method: "GET", path: "/api/health" },
    { method: "GET", path: "/api/performance", admin: true, query: { model: "fake-model", range: "24h", user: randomUUID() } },
    { method: "POST", path: "/api/performance/client-timing", json: { requestId: randomUUID(), connectMs: 5 } },
    { method: "GET", path: "/api/messages/:id/latency", params: { id: ids.message! } },
    { method: "GET", path: "/api/knowledge/documents", query: { collectionId: ids.collection! } },
    { method: "GET", path: "/api/knowledge/documents/:id", params: { id: ids.doc! } },
    { method: "GET", path: "/api/knowledge/documents/:id/chunks", params: { id: ids.doc! }, query: { offset: "0", limit: "5" } },
    { method: "GET", path: "/api/knowledge/documents/:id/text", params: { id: ids.doc! }, query: { start: "0", end: "5" } },
    { method: "POST", path: "/api/knowledge/documents/:id/cancel", params: { id: randomUUID() } },
    { method: "POST", path: "/api/knowledge/documents/:id/reindex", params: { id: randomUUID() } },
    { method: "DELETE", path: "/api/knowledge/documents/:id", params: { id: randomUUID() } },
    { method: "POST", path: "/api/knowledge/collections", json: { name: "Manuals" } },
    { method: "PATCH", path: "/api/knowledge/collections/:id", admin: true, params: { id: ids.collection! }, json: { everyone: true } },
    { method: "DELETE", path: "/api/knowledge/collections/:id", params: { id: randomUUID() } },
    { method: "POST", path: "/api/knowledge/collections/:id/grants", admin: true, params: { id: ids.collection! }, json: { email: "grantee@example.com" } },
    { method: "DELETE", path: "/api/knowledge/collections/:id/grants", admin: true, params: { id: ids.collection! }, json: { email: "grantee@example.com" } },
    { method: "POST", path: "/api/knowledge/search", json: { query: "capital of Portugal" }, repaired: ["query"] },
    { method: "POST", path: "/api/tts", json: { text: "Hello there.", voice: "fake-voice" }, repaired: ["text"] },
    { method: "POST", path: "/v1/chat/completions", json: { model: "fake-model", messages: [{ role: "user", content: "hi v1" }] }, repaired: ["messages.*.content"] },
    { method: "GET", path: "/v1/models" },
  ];

  function send(sample: Sample, { json = sample.json, query = sample.query, params = sample.params } = {}) {
    const who = sample.admin ? admin : alice;
    let path = sample.path;
    for (const [name, value] of Object.entries(params ?? {})) path = path.replace(`:${name}`, encodeURIComponent(value));
    const search = query ? `?${new URLSearchParams(query)}` : "";
    return who.fetch(path + search, { method: sample.method, ...(json === undefined ? {} : { json }) });
  }

  /** Sends one hostile variant; a refusal must be a 4xx that stored nothing, a repaired one a success. */
  async function expectHandled(sample: Sample, variant: Parameters<typeof send>[1], what: string, repaired: boolean) {
    const before = await counts();
    const response = await send(sample, variant);
    const label = `${sample.method} ${sample.path} with ${what}`;
    const text = await response.text();
    expect(response.status, label).toBeLessThan(500);
    if (repaired) {
      expect(response.status, label).toBeLessThan(300);
      return;
    }
    expect(response.status, label).toBeGreaterThanOrEqual(400);
    const body = JSON.parse(text) as { error?: { message?: string } };
    expect(body?.error?.message ?? `no error message (${response.status})`, label).toMatch(/NUL|surrogate|Unicode|must|invalid|not found|UUID|email|Invalid/i);
    expect(await counts(), label).toEqual(before);
  }

  it("answers NUL and lone surrogates in every body field with a 400 naming it, or repairs pasted text", async () => {
    let sent = 0;
    for (const sample of samples()) {
      if (sample.json === undefined) continue;
      for (const leaf of stringLeaves(sample.json)) {
        for (const [what, bad] of [["NUL", NUL], ["a lone surrogate", LONE]] as const) {
          const repaired = sample.repaired?.includes(pattern(leaf)) ?? false;
          const json = withLeaf(sample.json, leaf, (s) => `${s.slice(0, 2)}${bad}${s.slice(2)}`);
          // A repaired chat turn is a new turn: give it a fresh chat id.
          if (repaired && typeof json === "object" && json && "id" in json) (json as { id: string }).id = randomUUID();
          await expectHandled(sample, { json }, `${what} in ${pattern(leaf)}`, repaired);
          sent++;
        }
      }
    }
    expect(sent).toBeGreaterThan(40);
  });

  it("answers NUL in every query parameter and path segment with a 400, and broken escapes with no 5xx", async () => {
    for (const sample of samples()) {
      for (const name of Object.keys(sample.query ?? {})) {
        await expectHandled(sample, { query: { ...sample.query, [name]: `x${NUL}` } }, `NUL in query ${name}`, false);
        // A lone surrogate cannot travel in a URL; its UTF-8 bytes (invalid) decode to U+FFFD, which is storable.
        const who = sample.admin ? admin : alice;
        const path = sample.path.replace(/:(\w+)/g, (_, name: string) => sample.params![name]!);
        const response = await who.fetch(`${path}?${name}=%ED%A0%80%00`, { method: sample.method, ...(sample.json ? { json: sample.json } : {}) });
        expect(response.status, `${sample.method} ${sample.path}?${name}=%ED%A0%80%00`).toBeLessThan(500);
        await response.body?.cancel();
      }
      for (const name of Object.keys(sample.params ?? {})) {
        await expectHandled(sample, { params: { ...sample.params, [name]: `x${NUL}` } }, `NUL in :${name}`, false);
      }
    }
  });

  it("stores repaired chat text without the NUL and with the broken character replaced", async () => {
    const id = randomUUID();
    const events = await readSse(await alice.fetch("/api/chat", { method: "POST", json: { id, message: `paste${NUL}d ${LONE}text` } }));
    expect(streamedText(events)).toContain("pasted \ufffdtext");
    const page = (await (await alice.fetch(`/api/chats/${id}/messages`)).json()) as { messages: Array<{ parts: Array<{ text: string }> }> };
    expect(page.messages[0]!.parts[0]!.text).toBe("pasted \ufffdtext");
  });

  it("refuses other content types, bodies that are not UTF-8, and bodies over the limit, storing nothing", async () => {
    for (const sample of samples()) {
      if (sample.json === undefined) continue;
      const who = sample.admin ? admin : alice;
      let path = sample.path;
      for (const [name, value] of Object.entries(sample.params ?? {})) path = path.replace(`:${name}`, value);
      const before = await counts();
      const label = `${sample.method} ${sample.path}`;
      const cases: Array<[RequestInit, number]> = [
        [{ body: JSON.stringify(sample.json), headers: { "content-type": "text/plain;charset=json" } }, 415],
        [{ body: "a=1", headers: { "content-type": "application/x-www-form-urlencoded" } }, 415],
        [{ body: new Uint8Array([0x7b, 0x22, 0xff, 0x22, 0x3a, 0x31, 0x7d]), headers: { "content-type": "application/json" } }, 400],
        [{ body: JSON.stringify({ pad: "x".repeat(2_000_000) }), headers: { "content-type": "application/json" } }, 413],
      ];
      for (const [init, status] of cases) {
        const response = await who.fetch(path, { method: sample.method, ...init });
        expect(response.status, `${label}: ${JSON.stringify(init.headers)}`).toBe(status);
      }
      expect(await counts(), label).toEqual(before);
    }
  });
});

describe("upload names", () => {
  let app: TestApp;
  let user: TestUser;
  beforeAll(async () => {
    app = await startTestApp("pglite", {}, { ingest: true });
    user = await app.user();
  });
  afterAll(() => app.close());

  it("repairs a file name with NUL and broken Unicode instead of failing the upload", async () => {
    const boundary = "fuzzboundary";
    const head = `--${boundary}\r\nContent-Disposition: form-data; name="files"; filename="re${NUL}port`;
    const bytes = Buffer.concat([
      Buffer.from(head),
      Buffer.from([0xed, 0xa0, 0x80]), // a lone surrogate, encoded as (invalid) UTF-8
      Buffer.from(`.txt"\r\nContent-Type: text/plain\r\n\r\nSome text about harbours.\r\n--${boundary}--\r\n`),
    ]);
    const response = await user.fetch("/api/knowledge/documents", {
      method: "POST",
      body: bytes,
      headers: { "content-type": `multipart/form-data; boundary=${boundary}` },
    });
    expect(response.status).toBe(202);
    const { documents } = (await response.json()) as { documents: Array<{ name: string }> };
    expect(documents[0]!.name).not.toContain(NUL);
    expect(documents[0]!.name.isWellFormed()).toBe(true);
    expect(documents[0]!.name).toMatch(/^re.*port.*\.txt$/);
  });
});
