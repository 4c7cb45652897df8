import { EventEmitter } from "node:events";
import { config } from "../config";
import type { DocumentView } from "../db/queries/documents";

/** A change to a document that knowledge pages show live. */
export type DocumentEvent =
  | { type: "document"; document: DocumentView }
  | { type: "deleted"; documentId: string; collectionId: string };

export interface DocumentEvents {
  publish(event: DocumentEvent): void;
  /** Calls `listener` for every event until the returned function is called. */
  subscribe(listener: (event: DocumentEvent) => void): () => void;
}

/** One process: events go straight to this process's listeners. */
export class InMemoryDocumentEvents implements DocumentEvents {
  private readonly emitter = new EventEmitter().setMaxListeners(0);

  publish(event: DocumentEvent): void {
    this.emitter.emit("event", event);
  }

  subscribe(listener: (event: DocumentEvent) => void): () => void {
    this.emitter.on("event", listener);
    return () => this.emitter.off("event", listener);
  }
}

const CHANNEL = "parley:documents";

/**
 * Several Parley processes sharing one Redis: an ingestion worker in one
 * process updates the pages served by another.
 */
export class RedisDocumentEvents implements DocumentEvents {
  private readonly local = new InMemoryDocumentEvents();
  private readonly ready: Promise<void>;
  private readonly publisher;
  private readonly subscriber;

  constructor(url: string) {
    const load = import("ioredis").then(({ Redis }) => ({
      publisher: new Redis(url, { lazyConnect: false, maxRetriesPerRequest: 2 }),
      subscriber: new Redis(url, { lazyConnect: false }),
    }));
    this.publisher = load.then((r) => r.publisher);
    this.subscriber = load.then((r) => r.subscriber);
    this.ready = this.subscriber.then(async (subscriber) => {
      subscriber.on("error", (error) => console.warn(`[parley] Redis events: ${error.message}`));
      subscriber.on("message", (_channel, message) => this.local.publish(JSON.parse(message) as DocumentEvent));
      await subscriber.subscribe(CHANNEL);
    });
    this.ready.catch((error: Error) => console.warn(`[parley] Redis events unavailable: ${error.message}`));
    void this.publisher.then((p) => p.on("error", (error) => console.warn(`[parley] Redis events: ${error.message}`)));
  }

  publish(event: DocumentEvent): void {
    void this.publisher
      .then((p) => p.publish(CHANNEL, JSON.stringify(event)))
      .catch(() => this.local.publish(event));
  }

  subscribe(listener: (event: DocumentEvent) => void): () => void {
    return this.local.subscribe(listener);
  }

  async close(): Promise<void> {
    await Promise.all([this.publisher.then((p) => p.quit()), this.subscriber.then((s) => s.quit())]).catch(() => {});
  }
}

const globalForEvents = globalThis as unknown as { parleyDocumentEvents?: { key: string; bus: DocumentEvents } };

/** The process's document event bus: Redis pub/sub when REDIS_URL is set, in-process otherwise. */
export function documentEvents(): DocumentEvents {
  const key = config.redisUrl ?? "memory";
  if (globalForEvents.parleyDocumentEvents?.key !== key) {
    const url = config.redisUrl;
    globalForEvents.parleyDocumentEvents = {
      key,
      bus: url ? new RedisDocumentEvents(url) : new InMemoryDocumentEvents(),
    };
  }
  return globalForEvents.parleyDocumentEvents.bus;
}
