import { createHash } from "node:crypto";
import { QdrantClient } from "@qdrant/js-client-rest";
import { checkedPoints, checkVector, spaceName } from "./space";
import type { VectorSpace, VectorStore } from "./types";

/** Every Parley collection starts with `parley_`; deleteDocument visits them all. */
const PREFIX = "parley";
const BATCH = 256;
const STATUS_TIMEOUT_MS = 3_000;
const REQUEST_TIMEOUT_MS = 30_000;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Qdrant point ids are UUIDs: a chunk's own, or one derived from a non-UUID chunk id. */
function pointId(chunkId: string): string {
  if (UUID.test(chunkId)) return chunkId;
  const h = createHash("sha256").update(chunkId).digest("hex");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

function httpStatus(error: unknown): number | undefined {
  const status = (error as { status?: unknown } | null)?.status;
  return typeof status === "number" ? status : undefined;
}

function reason(error: unknown): string {
  const status = httpStatus(error);
  if (status !== undefined) {
    const message = (error as { data?: { status?: { error?: string } } }).data?.status?.error;
    return `HTTP ${status}${message ? `: ${message}` : ""}`;
  }
  if (error instanceof Error && error.name === "TimeoutError") return "timed out";
  const cause = error instanceof Error && error.cause instanceof Error ? ` (${error.cause.message})` : "";
  return `${error instanceof Error ? error.message : String(error)}${cause}`;
}

const match = (key: string, value: string | string[]) => ({
  must: [{ key, match: typeof value === "string" ? { value } : { any: value } }],
});

/**
 * Vectors in a Qdrant server: one collection per space (`parley_<model>_<hash>_<dim>`,
 * cosine distance), created on first upsert, with the chunk, document and
 * collection ids as payload (keyword-indexed for filtering and deletion).
 */
export function createQdrantStore({ url, apiKey }: { url: string; apiKey?: string }): VectorStore {
  // No client-wide timeout: it would replace the AbortSignal each call passes.
  const api = new QdrantClient({ url, apiKey, checkCompatibility: false, timeout: Infinity }).api();
  const created = new Map<string, Promise<void>>();

  /** Runs one request with a timeout (and the caller's signal); errors say what failed. */
  async function call<T>(
    what: string,
    request: (init: RequestInit) => Promise<T>,
    signal?: AbortSignal,
    ms = REQUEST_TIMEOUT_MS,
  ) {
    const timeout = AbortSignal.timeout(ms);
    try {
      return await request({ signal: signal ? AbortSignal.any([signal, timeout]) : timeout });
    } catch (error) {
      if (signal?.aborted) throw signal.reason;
      throw Object.assign(new Error(`Qdrant ${what} failed: ${reason(error)}`, { cause: error }), {
        status: httpStatus(error),
      });
    }
  }

  async function createCollection(name: string, size: number) {
    try {
      await call(`create collection ${name}`, (init) =>
        api.createCollection({ collection_name: name, vectors: { size, distance: "Cosine" } }, init),
      );
    } catch (error) {
      // Another process created it first: fine, as long as it is ours to use.
      if (httpStatus(error) !== 409 && !/already exists/i.test(String((error as Error).message))) throw error;
    }
    for (const field of ["collectionId", "documentId"]) {
      await call(`index ${field} of ${name}`, (init) =>
        api.createFieldIndex({ collection_name: name, field_name: field, field_schema: "keyword", wait: true }, init),
      );
    }
  }

  async function collection(space: VectorSpace): Promise<string> {
    const name = spaceName(PREFIX, space);
    if (!created.has(name)) {
      created.set(name, createCollection(name, space.dimensions).catch((error) => {
        created.delete(name);
        throw error;
      }));
    }
    await created.get(name);
    return name;
  }

  return {
    name: "qdrant",

    async status() {
      try {
        const [root] = await call(
          "status",
          (init) => Promise.all([api.root({}, init), api.getCollections({}, init)]),
          undefined,
          STATUS_TIMEOUT_MS,
        );
        return { available: true, detail: `Qdrant ${root.data.version} at ${url}` };
      } catch (error) {
        return { available: false, detail: `Qdrant at ${url} is not usable: ${(error as Error).message}` };
      }
    },

    async upsert(space, points) {
      const unique = checkedPoints(space, points);
      if (unique.length === 0) return;
      const name = await collection(space);
      for (let i = 0; i < unique.length; i += BATCH) {
        const batch = unique.slice(i, i + BATCH).map(({ chunkId, documentId, collectionId, vector }) => ({
          id: pointId(chunkId),
          vector,
          payload: { chunkId, documentId, collectionId },
        }));
        await call(`upsert into ${name}`, (init) =>
          api.upsertPoints({ collection_name: name, wait: true, points: batch }, init),
        );
      }
    },

    async search(space, vector, { collectionIds, limit, signal }) {
      checkVector(space, vector, "query vector");
      signal?.throwIfAborted();
      if (collectionIds.length === 0 || limit < 1) return [];
      const name = spaceName(PREFIX, space);
      try {
        const response = await call(
          `search ${name}`,
          (init) =>
            api.queryPoints(
              {
                collection_name: name,
                query: vector,
                filter: match("collectionId", collectionIds),
                limit,
                with_payload: ["chunkId"],
                with_vector: false,
              },
              init,
            ),
          signal,
        );
        return (response.data.result?.points ?? []).map((point) => ({
          chunkId: String(point.payload?.chunkId ?? point.id),
          score: point.score,
        }));
      } catch (error) {
        if (httpStatus(error) === 404) return []; // nothing was ever stored in this space
        throw error;
      }
    },

    async deleteDocument(documentId) {
      const listed = await call("list collections", (init) => api.getCollections({}, init));
      const names = (listed.data.result?.collections ?? [])
        .map((c) => c.name)
        .filter((n) => n.startsWith(`${PREFIX}_`));
      await Promise.all(
        names.map((name) =>
          call(`delete document from ${name}`, (init) =>
            api.deletePoints({ collection_name: name, wait: true, filter: match("documentId", documentId) }, init),
          ).catch((error) => {
            if (httpStatus(error) !== 404) throw error; // a collection dropped meanwhile has nothing left
          }),
        ),
      );
    },
  };
}
