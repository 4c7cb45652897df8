import type { JobWithMetadata, PgBoss } from "pg-boss";
import { embedder } from "../../ai/embeddings";
import { config } from "../../config";
import {
  documentsNeedingEmbeddings,
  unfinishedDocumentIds,
  updateDocument,
  type DocumentView,
} from "../../db/queries/documents";
import { database } from "../../db/client";
import { jobs } from "../../jobs/boss";
import { retryUntilDone, type Retrying } from "../../jobs/retry";
import { documentEvents } from "../events";
import { ExtractionError } from "../extract/types";
import { ingestDocument, IngestCancelled } from "./pipeline";
import { analyzeIfStale, noteChunksChanged } from "./statistics";

export const INGEST_QUEUE = "ingest-document";

interface IngestJob {
  documentId: string;
}

const RETRY_LIMIT = 2;

const globalForIngest = globalThis as unknown as {
  parleyIngest?: { boss: PgBoss; workerId: string; sweeper: NodeJS.Timeout };
  /** A start in progress: concurrent callers share it instead of registering a second worker. */
  parleyIngestStarting?: Promise<void>;
  /** Set when this process should run a worker: retries its start until the database lets it. */
  parleyIngestSupervisor?: Retrying;
  /** Ingestions running in this process, so a cancel stops them at once. */
  parleyIngestRunning?: Map<string, AbortController>;
};
const running = (globalForIngest.parleyIngestRunning ??= new Map());

/** Queues a document for ingestion; a document already queued or running is not queued twice. */
export async function enqueueIngest(documentId: string): Promise<void> {
  const boss = await ingestQueue();
  await boss.send(INGEST_QUEUE, { documentId } satisfies IngestJob, { singletonKey: documentId });
  if (globalForIngest.parleyIngest) boss.notifyWorker(globalForIngest.parleyIngest.workerId);
}

/** Stops a running ingestion in this process (other processes notice at their next progress write). */
export function abortRunningIngest(documentId: string): void {
  running.get(documentId)?.abort(new IngestCancelled());
}

async function ingestQueue(): Promise<PgBoss> {
  const boss = await jobs();
  await boss.createQueue(INGEST_QUEUE, {
    // One job per document queued or running, however often it is enqueued.
    policy: "exclusive",
    retryLimit: RETRY_LIMIT,
    retryDelay: 5,
    retryBackoff: true,
    // A worker that dies (restart, crash) stops its heartbeat: the job is retried soon after.
    heartbeatSeconds: config.knowledge.jobHeartbeatSeconds,
    expireInSeconds: 60 * 60,
  });
  return boss;
}

/**
 * Starts this process's ingestion workers (bounded by KB_INGEST_CONCURRENCY)
 * and re-queues documents whose ingestion a restart interrupted. Throws when
 * the database or the job queue cannot be reached: superviseIngestWorker
 * calls it again until it works.
 */
export function startIngestWorker(): Promise<void> {
  globalForIngest.parleyIngestStarting ??= start().finally(() => {
    globalForIngest.parleyIngestStarting = undefined;
  });
  return globalForIngest.parleyIngestStarting;
}

async function start(): Promise<void> {
  const boss = await ingestQueue();
  const previous = globalForIngest.parleyIngest;
  if (previous?.boss === boss) return;
  if (previous) clearInterval(previous.sweeper);
  const workerId = await boss.work<IngestJob, void, { localConcurrency: number; pollingIntervalSeconds: number; includeMetadata: true }>(
    INGEST_QUEUE,
    { localConcurrency: config.knowledge.ingestConcurrency, pollingIntervalSeconds: 1, includeMetadata: true },
    async ([job]) => runJob(job!),
  );
  const sweeper = setInterval(() => void resumeUnfinished().catch(() => {}), 60_000);
  sweeper.unref();
  globalForIngest.parleyIngest = { boss, workerId, sweeper };
  try {
    if ((await database()).kind === "pglite") await cancelOrphans(boss);
    await resumeUnfinished();
  } catch (error) {
    // The worker runs: jobs it cannot see yet are retried by pg-boss, and the sweeper re-queues documents within a minute.
    console.warn(`[parley] could not re-queue interrupted documents yet (retried every minute): ${(error as Error).message}`);
  }
}

/**
 * Runs the ingestion worker for as long as this process lives: when the
 * database (or the job queue in it) cannot be reached at start, the start is
 * retried with backoff (1 s doubling to 30 s, with jitter) until it works,
 * instead of leaving uploads queued until a restart. A second call does nothing.
 */
export function superviseIngestWorker(): void {
  if (globalForIngest.parleyIngestSupervisor) return;
  globalForIngest.parleyIngestSupervisor = retryUntilDone(
    async () => {
      await startIngestWorker();
      console.log("[parley] ingestion worker started");
    },
    {
      onError: (error, wait) =>
        console.warn(`[parley] the ingestion worker could not start (${error.message}); retrying in ${((wait ?? 0) / 1000).toFixed(1)} s`),
    },
  );
}

export interface IngestWorkerStatus {
  /** This process has asked for a worker (superviseIngestWorker): health reports when it is not running. */
  expected: boolean;
  running: boolean;
  /** Why the last start failed, while the worker is not running. */
  error?: string;
  /** Failed starts so far. */
  failures: number;
}

export function ingestWorkerStatus(): IngestWorkerStatus {
  const supervisor = globalForIngest.parleyIngestSupervisor;
  const running = globalForIngest.parleyIngest !== undefined;
  const error = running ? undefined : supervisor?.error;
  return { expected: supervisor !== undefined, running, failures: supervisor?.failures ?? 0, ...(error ? { error } : {}) };
}

export async function stopIngestWorker(): Promise<void> {
  globalForIngest.parleyIngestSupervisor?.stop();
  globalForIngest.parleyIngestSupervisor = undefined;
  await globalForIngest.parleyIngestStarting?.catch(() => {});
  const current = globalForIngest.parleyIngest;
  globalForIngest.parleyIngest = undefined;
  if (!current) return;
  clearInterval(current.sweeper);
  for (const controller of running.values()) controller.abort(new Error("Parley is shutting down"));
  await current.boss.offWork(INGEST_QUEUE, { wait: true }).catch(() => {});
}

/**
 * The embedded database belongs to one process (a lock file enforces it), so
 * at start every job still marked active was left by a process that died:
 * cancel those at once instead of waiting out their heartbeat, and
 * resumeUnfinished queues their documents again.
 */
async function cancelOrphans(boss: PgBoss): Promise<void> {
  const orphans = (await boss.findJobs<IngestJob>(INGEST_QUEUE)).filter((job) => job.state === "active");
  if (orphans.length > 0) await boss.cancel(INGEST_QUEUE, orphans.map((job) => job.id));
}

/**
 * Every document still marked as being ingested gets a job (an existing one
 * is kept), and indexed documents without vectors from the current embedding
 * model get them: nothing stays stuck after a restart or a model change.
 */
async function resumeUnfinished(): Promise<void> {
  for (const id of await unfinishedDocumentIds()) {
    if (!running.has(id)) await enqueueIngest(id);
  }
  const provider = embedder();
  if (!provider || (await provider.status()).state !== "ready") return;
  for (const doc of await documentsNeedingEmbeddings()) {
    if (doc.embeddingModel === provider.modelFor(doc.language ?? undefined) || running.has(doc.id)) continue;
    const view = await updateDocument(doc.id, { status: "embedding", progress: 0 }, ["indexed"]);
    if (view) {
      documentEvents().publish({ type: "document", document: view });
      await enqueueIngest(doc.id);
    }
  }
}

async function runJob(job: JobWithMetadata<IngestJob>): Promise<void> {
  const { documentId } = job.data;
  if (running.has(documentId)) return;
  const controller = new AbortController();
  const abort = () => controller.abort(job.signal.reason);
  job.signal.addEventListener("abort", abort);
  running.set(documentId, controller);
  try {
    const view = await ingestDocument(documentId, controller.signal);
    if (view?.status === "indexed") {
      noteChunksChanged(view.chunkCount);
      void analyzeIfStale().catch((error: Error) => console.warn(`[parley] ANALYZE failed: ${error.message}`));
    }
  } catch (error) {
    if (error instanceof IngestCancelled || controller.signal.reason instanceof IngestCancelled) return;
    const reason = error instanceof Error ? error.message : String(error);
    if (error instanceof ExtractionError || job.retryCount >= job.retryLimit) {
      await fail(documentId, error instanceof ExtractionError ? reason : `Ingestion failed: ${reason}`);
      return;
    }
    await note(documentId, `Retrying after an error: ${reason}`);
    throw error;
  } finally {
    job.signal.removeEventListener("abort", abort);
    running.delete(documentId);
  }
}

async function fail(documentId: string, error: string): Promise<void> {
  publish(await updateDocument(documentId, { status: "failed", error }));
}

async function note(documentId: string, error: string): Promise<void> {
  publish(await updateDocument(documentId, { status: "queued", progress: 0, error }));
}

function publish(view: DocumentView | null) {
  if (view) documentEvents().publish({ type: "document", document: view });
}
