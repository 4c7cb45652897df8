import { randomUUID } from "node:crypto";
import path from "node:path";
import { Worker } from "node:worker_threads";
import { messages, type PGlite, type QueryOptions, type Results } from "@electric-sql/pglite";

type Parser = (value: string, typeId: number) => unknown;

interface WireError {
  message: string;
  name?: string;
  database: boolean;
  [field: string]: unknown;
}

/**
 * PGlite running in a worker thread, behind the part of PGlite's interface that
 * Parley and the Prisma adapter use (query, exec, transaction). Column parsers
 * are functions and cannot cross threads: the worker returns those columns as
 * text and they are parsed here.
 */
export class PGliteThread {
  private readonly worker: Worker;
  private readonly pending = new Map<string, { resolve: (value: unknown) => void; reject: (error: unknown) => void }>();
  private failure: Error | undefined;
  readonly ready: Promise<void>;

  constructor(dataDir: string, { sharedBuffers }: { sharedBuffers: string }) {
    this.worker = new Worker(path.join(/*turbopackIgnore: true*/ process.cwd(), "lib/db/pglite-thread.mjs"), {
      workerData: { dataDir, sharedBuffers },
    });
    this.ready = new Promise((resolve, reject) => {
      this.worker.once("message", (message: { ready?: boolean }) => (message.ready ? resolve() : reject(new Error("bad start"))));
      this.worker.once("error", reject);
    });
    this.worker.on("message", (message: { id?: string; value?: unknown; error?: WireError }) => {
      if (!message.id) return;
      const call = this.pending.get(message.id);
      if (!call) return;
      this.pending.delete(message.id);
      if (message.error) call.reject(toError(message.error));
      else call.resolve(message.value);
    });
    const fail = (error: Error) => {
      this.failure = error;
      for (const call of this.pending.values()) call.reject(error);
      this.pending.clear();
    };
    this.worker.on("error", fail);
    this.worker.on("exit", (code) => fail(new Error(`the embedded database thread exited (${code})`)));
  }

  private call<T>(message: Record<string, unknown>): Promise<T> {
    if (this.failure) return Promise.reject(this.failure);
    const id = randomUUID();
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
      this.worker.postMessage({ ...message, id });
    });
  }

  query<T>(sql: string, params: unknown[] = [], options?: QueryOptions, txId?: string): Promise<Results<T>> {
    const parsers = options?.parsers as Record<string, Parser> | undefined;
    return this.call<Results<T>>({
      op: "query",
      sql,
      params,
      txId,
      rowMode: options?.rowMode,
      rawOids: parsers ? Object.keys(parsers).map(Number) : undefined,
    }).then((result) => applyParsers(result, parsers));
  }

  exec(sql: string, options?: QueryOptions, txId?: string): Promise<Array<Results>> {
    const parsers = options?.parsers as Record<string, Parser> | undefined;
    return this.call<Array<Results>>({
      op: "exec",
      sql,
      txId,
      rowMode: options?.rowMode,
      rawOids: parsers ? Object.keys(parsers).map(Number) : undefined,
    }).then((results) => results.map((result) => applyParsers(result, parsers)));
  }

  /** Runs `work` in one transaction: committed when it resolves, rolled back when it throws. */
  async transaction<T>(work: (tx: ThreadTransaction) => Promise<T>): Promise<T> {
    const txId = randomUUID();
    await this.call({ op: "begin", txId });
    const tx = new ThreadTransaction(this, txId);
    try {
      const result = await work(tx);
      await this.call({ op: "end", txId });
      return result;
    } catch (error) {
      if (!tx.closed) await tx.rollback().catch(() => {});
      await this.call({ op: "end", txId }).catch(() => {});
      throw error;
    }
  }

  /** @internal */
  send<T>(message: Record<string, unknown>) {
    return this.call<T>(message);
  }

  /** Re-reads array types (after migrations created new enum types). */
  async refreshArrayTypes(): Promise<void> {
    await this.call({ op: "refreshArrayTypes" });
  }

  async close(): Promise<void> {
    if (!this.failure) await this.call({ op: "close" }).catch(() => {});
    await this.worker.terminate();
  }

  /** This object stands in for a PGlite instance wherever one is expected. */
  asPGlite(): PGlite {
    return this as unknown as PGlite;
  }
}

export class ThreadTransaction {
  closed = false;
  constructor(
    private readonly thread: PGliteThread,
    private readonly txId: string,
  ) {}

  query<T>(sql: string, params?: unknown[], options?: QueryOptions) {
    return this.thread.query<T>(sql, params, options, this.txId);
  }

  exec(sql: string, options?: QueryOptions) {
    return this.thread.exec(sql, options, this.txId);
  }

  async rollback(): Promise<void> {
    this.closed = true;
    await this.thread.send({ op: "rollback", txId: this.txId });
  }
}

function applyParsers<R extends { fields?: Array<{ name: string; dataTypeID: number }>; rows: unknown[] }>(
  result: R,
  parsers: Record<string, Parser> | undefined,
): R {
  if (!parsers || !result.fields?.length) return result;
  const columns = result.fields
    .map((field, index) => ({ index, name: field.name, typeId: field.dataTypeID, parse: parsers[field.dataTypeID] }))
    .filter((column) => column.parse);
  if (columns.length === 0) return result;
  for (const row of result.rows as Array<Record<string | number, unknown>>) {
    const isArray = Array.isArray(row);
    for (const column of columns) {
      const key = isArray ? column.index : column.name;
      const value = row[key];
      if (value !== null && value !== undefined) row[key] = column.parse!(value as string, column.typeId);
    }
  }
  return result;
}

function toError(wire: WireError): Error {
  if (!wire.database) return Object.assign(new Error(wire.message), { name: wire.name ?? "Error" });
  const error = new messages.DatabaseError(wire.message, 0, "error");
  for (const [key, value] of Object.entries(wire)) {
    if (key !== "message" && key !== "name" && key !== "database") (error as unknown as Record<string, unknown>)[key] = value;
  }
  return error;
}
