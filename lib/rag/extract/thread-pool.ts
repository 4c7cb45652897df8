import { type ChildProcess, fork } from "node:child_process";
import { randomUUID } from "node:crypto";
import path from "node:path";
import { config } from "../../config";
import type { ExtractedDocument } from "../chunk";
import type { ExtractOptions } from "./index";
import type { PdfLimits } from "./pdf-limits";
import { type DocumentKind, ExtractionError } from "./types";

/**
 * Extraction processes (extract-thread.mjs), each with a heap limit, reading
 * one document at a time. Processes, not worker threads: a worker that hits
 * its heap limit inside a large allocation can abort the whole server process
 * (V8's fatal out-of-memory handler; seen in CI), while a child process that
 * does only takes itself down. A document that takes longer than its time limit,
 * runs out of heap or crashes its thread fails with a reason the uploader can
 * act on; that thread is terminated and the next document gets a fresh one,
 * while the server's own event loop never ran any of it. Idle threads are
 * kept (up to KB_INGEST_CONCURRENCY) so consecutive documents skip the start,
 * and closed after a minute without work.
 */

const THREAD_FILE = "lib/rag/extract/extract-thread.mjs";
const IDLE_MS = 60_000;

interface Thread {
  worker: ChildProcess;
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
      else worker.kill("SIGKILL");
      settle();
    };
    const onMessage = (reply: Reply) => {
      if (reply.id !== id || settled) return;
      if (reply.type === "progress") options.onProgress?.(reply.fraction);
      else if (reply.type === "done") finish(true, () => resolve(reply.document));
      else finish(true, () => reject(fromThread(reply.error)));
    };
    const onError = (error: Error) => finish(false, () => reject(crashed(error.message)));
    // V8 aborts a process that runs out of its heap (SIGABRT, or exit code 134 through a shell).
    const onExit = (code: number | null, exitSignal: NodeJS.Signals | null) =>
      finish(false, () =>
        reject(
          exitSignal === "SIGABRT" || code === 134
            ? new ExtractionError(
                `Reading this document needed more than ${memoryMb} MB of memory, Parley's limit, so it was stopped. ` +
                  "Split it into smaller files or re-save it, then upload it again.",
              )
            : crashed(exitSignal ? `signal ${exitSignal}` : `exit code ${code}`),
        ),
      );
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
    // Settings the reader reads itself (DOCX limits) follow the server's environment as it is now.
    worker.send({ id, kind, bytes, limits, env: { ...process.env } });
  });
}

/** An idle thread with the same heap limit, or a new one. */
function take(memoryMb: number): Thread {
  for (let thread = idle.pop(); thread; thread = idle.pop()) {
    clearTimeout(thread.idleTimer);
    if (thread.memoryMb === memoryMb) {
      setKeepsAlive(thread.worker, true);
      return thread;
    }
    thread.worker.kill("SIGKILL");
  }
  const worker = fork(path.join(/*turbopackIgnore: true*/ process.cwd(), THREAD_FILE), [], {
    execArgv: [`--max-old-space-size=${memoryMb}`],
    // Structured clone over IPC: document bytes arrive as bytes, not as JSON.
    serialization: "advanced",
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  // An error with no listener would be thrown here: a dying extraction process must never take the server with it.
  worker.on("error", () => {});
  return { worker, memoryMb };
}

function release(thread: Thread) {
  if (idle.length >= config.knowledge.ingestConcurrency) {
    thread.worker.kill("SIGKILL");
    return;
  }
  setKeepsAlive(thread.worker, false);
  thread.idleTimer = setTimeout(() => {
    const index = idle.indexOf(thread);
    if (index >= 0) idle.splice(index, 1);
    thread.worker.kill("SIGKILL");
  }, IDLE_MS).unref();
  idle.push(thread);
}

/** An idle reader (the process and its IPC channel) must not keep the server's process alive. */
function setKeepsAlive(child: ChildProcess, keep: boolean) {
  const channel = child.channel as { ref(): void; unref(): void } | null | undefined;
  if (keep) {
    child.ref();
    channel?.ref();
  } else {
    child.unref();
    channel?.unref();
  }
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
      thread.worker.kill("SIGKILL");
    }),
  );
}
