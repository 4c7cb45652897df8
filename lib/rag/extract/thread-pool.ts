import { randomUUID } from "node:crypto";
import path from "node:path";
import { SHARE_ENV, Worker } from "node:worker_threads";
import { config } from "../../config";
import type { ExtractedDocument } from "../chunk";
import type { ExtractOptions } from "./index";
import type { PdfLimits } from "./pdf-limits";
import { type DocumentKind, ExtractionError } from "./types";

/**
 * Extraction threads (extract-thread.mjs), each with a heap limit, reading
 * one document at a time. A document that takes longer than its time limit,
 * runs out of heap or crashes its thread fails with a reason the uploader can
 * act on; that thread is terminated and the next document gets a fresh one,
 * while the server's own event loop never ran any of it. Idle threads are
 * kept (up to KB_INGEST_CONCURRENCY) so consecutive documents skip the start,
 * and closed after a minute without work.
 */

const THREAD_FILE = "lib/rag/extract/extract-thread.mjs";
const IDLE_MS = 60_000;

interface Thread {
  worker: Worker;
  memoryMb: number;
  idleTimer?: NodeJS.Timeout;
}

type Reply =
  | { id: string; type: "progress"; fraction: number }
  | { id: string; type: "done"; document: ExtractedDocument }
  | { id: string; type: "failed"; error: { name: string; message: string } };

const globalForExtract = globalThis as unknown as { parleyExtractThreads?: Thread[] };
/** Idle threads, most recently used last. */
const idle = (globalForExtract.parleyExtractThreads ??= []);

export async function extractInThread(
  bytes: Uint8Array,
  kind: DocumentKind,
  options: ExtractOptions = {},
): Promise<ExtractedDocument> {
  options.signal?.throwIfAborted();
  const { knowledge } = config;
  const timeoutMs = knowledge.extractTimeoutMs;
  const memoryMb = knowledge.extractMaxMemoryMb;
  const limits: PdfLimits = {
    maxPages: knowledge.pdfMaxPages,
    maxPageBytes: knowledge.pdfMaxPageBytes,
    maxTotalBytes: knowledge.pdfMaxTotalBytes,
  };
  const thread = take(memoryMb);
  const { worker } = thread;
  const { signal } = options;
  const id = randomUUID();

  return new Promise<ExtractedDocument>((resolve, reject) => {
    let settled = false;
    const finish = (keepThread: boolean, settle: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      worker.off("message", onMessage);
      worker.off("error", onError);
      worker.off("exit", onExit);
      signal?.removeEventListener("abort", onAbort);
      if (keepThread) release(thread);
      else void worker.terminate();
      settle();
    };
    const onMessage = (reply: Reply) => {
      if (reply.id !== id || settled) return;
      if (reply.type === "progress") options.onProgress?.(reply.fraction);
      else if (reply.type === "done") finish(true, () => resolve(reply.document));
      else finish(true, () => reject(fromThread(reply.error)));
    };
    const onError = (error: Error & { code?: string }) =>
      finish(false, () =>
        reject(
          error.code === "ERR_WORKER_OUT_OF_MEMORY"
            ? new ExtractionError(
                `Reading this document needed more than ${memoryMb} MB of memory, Parley's limit, so it was stopped. ` +
                  "Split it into smaller files or re-save it, then upload it again.",
              )
            : crashed(error.message),
        ),
      );
    const onExit = (code: number) => finish(false, () => reject(crashed(`exit code ${code}`)));
    const onAbort = () => finish(false, () => reject(signal!.reason));
    const timer = setTimeout(
      () =>
        finish(false, () =>
          reject(
            new ExtractionError(
              `Reading this document took longer than ${Math.round(timeoutMs / 1000)} s, Parley's limit, so it was stopped. ` +
                "Split it into smaller files or re-save it, then upload it again.",
            ),
          ),
        ),
      timeoutMs,
    );
    worker.on("message", onMessage);
    worker.on("error", onError);
    worker.on("exit", onExit);
    signal?.addEventListener("abort", onAbort, { once: true });
    // A copy, moved to the thread: the caller keeps its bytes.
    const copy = bytes.slice();
    worker.postMessage({ id, kind, bytes: copy.buffer, limits }, [copy.buffer]);
  });
}

/** An idle thread with the same heap limit, or a new one. */
function take(memoryMb: number): Thread {
  for (let thread = idle.pop(); thread; thread = idle.pop()) {
    clearTimeout(thread.idleTimer);
    if (thread.memoryMb === memoryMb) {
      thread.worker.ref();
      return thread;
    }
    void thread.worker.terminate();
  }
  const worker = new Worker(path.join(/*turbopackIgnore: true*/ process.cwd(), THREAD_FILE), {
    resourceLimits: { maxOldGenerationSizeMb: memoryMb },
    // Settings read in the thread (DOCX limits) follow the server's environment.
    env: SHARE_ENV,
  });
  // An error with no listener would be thrown in this thread: a dying extraction thread must never take the server with it.
  worker.on("error", () => {});
  return { worker, memoryMb };
}

function release(thread: Thread) {
  if (idle.length >= config.knowledge.ingestConcurrency) {
    void thread.worker.terminate();
    return;
  }
  thread.worker.unref();
  thread.idleTimer = setTimeout(() => {
    const index = idle.indexOf(thread);
    if (index >= 0) idle.splice(index, 1);
    void thread.worker.terminate();
  }, IDLE_MS).unref();
  idle.push(thread);
}

function fromThread({ name, message }: { name: string; message: string }): Error {
  if (name === "ExtractionError") return new ExtractionError(message);
  return Object.assign(new Error(message), { name });
}

function crashed(detail: string): ExtractionError {
  return new ExtractionError(
    `The document reader stopped unexpectedly while reading this document (${detail}). Re-save the file and upload it again.`,
  );
}

/** Closes idle threads (tests, shutdown); a running extraction keeps its thread until it ends. */
export async function closeExtractionThreads(): Promise<void> {
  const threads = idle.splice(0);
  await Promise.all(
    threads.map((thread) => {
      clearTimeout(thread.idleTimer);
      return thread.worker.terminate();
    }),
  );
}
