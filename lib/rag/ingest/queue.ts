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
 * and re-queues documents whose ingestion a restart interrupted.
 */
export async function startIngestWorker(): Promise<void> {
  const boss = await ingestQueue();
  if (globalForIngest.parleyIngest?.boss === boss) return;
  const workerId = await boss.work<IngestJob, void, { localConcurrency: number; pollingIntervalSeconds: number; includeMetadata: true }>(
    INGEST_QUEUE,
    { localConcurrency: config.knowledge.ingestConcurrency, pollingIntervalSeconds: 1, includeMetadata: true },
    async ([job]) => runJob(job!),
  );
  if ((await database()).kind === "pglite") await cancelOrphans(boss);
  const sweeper = setInterval(() => void resumeUnfinished().catch(() => {}), 60_000);
  sweeper.unref();
  globalForIngest.parleyIngest = { boss, workerId, sweeper };
  await resumeUnfinished();
}

export async function stopIngestWorker(): Promise<void> {
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
