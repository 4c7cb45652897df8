import { EventEmitter } from "node:events";
import { config } from "../config";
import type { DocumentView } from "../db/queries/documents";
import { redisConnections, type RedisConnections, type Subscription } from "../redis/client";

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
  private readonly subscription: Subscription;

  constructor(private readonly redis: RedisConnections) {
    this.subscription = redis.subscribe(CHANNEL, (message) => this.local.publish(JSON.parse(message) as DocumentEvent));
  }

  /** Settles once events published by other processes arrive here. */
  get ready(): Promise<void> {
    return this.subscription.ready;
  }

  publish(event: DocumentEvent): void {
    // Redis unreachable: this process's pages still see the change.
    void this.redis.command((redis) => redis.publish(CHANNEL, JSON.stringify(event))).catch(() => this.local.publish(event));
  }

  subscribe(listener: (event: DocumentEvent) => void): () => void {
    return this.local.subscribe(listener);
  }

  /** Stops receiving other processes' events (the shared connections stay open for other features). */
  async close(): Promise<void> {
    this.subscription.unsubscribe();
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
      bus: url ? new RedisDocumentEvents(redisConnections(url)) : new InMemoryDocumentEvents(),
    };
  }
  return globalForEvents.parleyDocumentEvents.bus;
}
