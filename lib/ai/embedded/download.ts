/**
 * Downloads a GGUF model file over HTTP(S): streamed to `<dest>.part`, resumed
 * with a Range request when a partial file exists, checked for the GGUF magic
 * bytes, then renamed into place atomically.
 */
import { mkdir, open, rename, rm, stat } from "node:fs/promises";
import path from "node:path";

export type DownloadProgress = { receivedBytes: number; totalBytes: number | null };

export type DownloadModelOptions = {
  url: string;
  /** Final path of the model file. Data goes to `dest + ".part"` until complete. */
  dest: string;
  signal?: AbortSignal;
  /** Called for every chunk written (and once at the start). */
  onProgress?: (progress: DownloadProgress) => void;
  /** Progress lines (at most every ~2 s or 10 %). Default console.log; null for silence. */
  log?: ((message: string) => void) | null;
  /** Extra request headers (e.g. Authorization for a private model host). */
  headers?: Record<string, string>;
  fetch?: typeof fetch;
};

export type DownloadResult = {
  path: string;
  bytes: number;
  /** Bytes that were already on disk in `.part` and kept. */
  resumedFromBytes: number;
};

export class ModelDownloadError extends Error {
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
    this.name = "ModelDownloadError";
  }
}

const GGUF_MAGIC = Buffer.from("GGUF", "latin1");
const LOG_EVERY_MS = 2_000;
const LOG_EVERY_FRACTION = 0.1;

/** The URL without query string or credentials, safe to print (signed URLs carry secrets). */
export function displayUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname}`;
  } catch {
    return "(invalid URL)";
  }
}

function formatBytes(n: number): string {
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(0)} KB`;
  if (n < 1024 * 1024 * 1024) return `${(n / (1024 * 1024)).toFixed(1)} MB`;
  return `${(n / (1024 * 1024 * 1024)).toFixed(2)} GB`;
}

async function fileSize(file: string): Promise<number> {
  try {
    return (await stat(file)).size;
  } catch {
    return 0;
  }
}

/** "bytes 100-199/1000" -> { start: 100, total: 1000 }; "bytes * /1000" -> { start: null, total: 1000 } */
function parseContentRange(header: string | null): { start: number | null; total: number | null } | null {
  const m = header?.match(/^bytes\s+(?:(\d+)-\d+|\*)\/(\d+|\*)$/i);
  if (!m) return null;
  return {
    start: m[1] === undefined ? null : Number(m[1]),
    total: m[2] === undefined || m[2] === "*" ? null : Number(m[2]),
  };
}

function progressLogger(log: (message: string) => void, name: string) {
  let lastAt = 0;
  let lastFraction = -1;
  return (p: DownloadProgress, force = false) => {
    const now = Date.now();
    const fraction = p.totalBytes ? p.receivedBytes / p.totalBytes : null;
    const due =
      force ||
      now - lastAt >= LOG_EVERY_MS ||
      (fraction !== null && fraction - lastFraction >= LOG_EVERY_FRACTION);
    if (!due) return;
    lastAt = now;
    if (fraction !== null) lastFraction = fraction;
    const of = p.totalBytes ? ` of ${formatBytes(p.totalBytes)} (${Math.floor((fraction ?? 0) * 100)}%)` : "";
    log(`Downloading ${name}: ${formatBytes(p.receivedBytes)}${of}`);
  };
}

/**
 * Downloads `url` to `dest`. Resolves once `dest` holds the complete, renamed
 * file. On abort or a dropped connection the `.part` file stays for a later
 * resume; on a non-GGUF body it is deleted. Throws ModelDownloadError on HTTP
 * errors, short bodies and non-GGUF content.
 */
export async function downloadModel(options: DownloadModelOptions): Promise<DownloadResult> {
  const { url, dest, signal } = options;
  const doFetch = options.fetch ?? fetch;
  const log = options.log === undefined ? (m: string) => console.log(m) : (options.log ?? (() => {}));
  const part = `${dest}.part`;
  const shown = displayUrl(url);
  const name = path.basename(dest);
  await mkdir(path.dirname(dest), { recursive: true });

  // At most one restart: when the server ignores or mangles our Range request.
  for (let attempt = 0; attempt < 2; attempt++) {
    signal?.throwIfAborted();
    const existing = attempt === 0 ? await fileSize(part) : 0;
    if (attempt > 0) await rm(part, { force: true });

    const headers: Record<string, string> = { "accept-encoding": "identity", ...options.headers };
    if (existing > 0) headers.range = `bytes=${existing}-`;
    let res: Response;
    try {
      res = await doFetch(url, { headers, signal, redirect: "follow" });
    } catch (error) {
      if (signal?.aborted) throw error;
      const cause = error instanceof Error ? (error.cause instanceof Error ? error.cause.message : error.message) : String(error);
      throw new ModelDownloadError(`Could not reach ${shown}: ${cause}`);
    }

    if (res.status === 416 && existing > 0) {
      // Range not satisfiable: the .part is already complete, or stale.
      await res.body?.cancel();
      const range = parseContentRange(res.headers.get("content-range"));
      if (range?.total === existing) return finish(part, dest, existing, existing, log, name);
      log(`Discarding ${formatBytes(existing)} partial download of ${name}: the server cannot resume it`);
      continue;
    }
    if (!res.ok) {
      await res.body?.cancel();
      const hint = res.status === 401 || res.status === 403 ? " (the model host wants credentials)" : "";
      throw new ModelDownloadError(
        `Downloading ${shown} failed: HTTP ${res.status}${res.statusText ? ` ${res.statusText}` : ""}${hint}`,
        res.status,
      );
    }
    if (!res.body) throw new ModelDownloadError(`Downloading ${shown} failed: empty response body`);

    let startAt = 0;
    let totalBytes: number | null = null;
    const length = res.headers.get("content-length");
    if (existing > 0 && res.status === 206) {
      const range = parseContentRange(res.headers.get("content-range"));
      if (range?.start !== existing) {
        await res.body.cancel();
        log(`Restarting the download of ${name}: the server answered a different byte range`);
        continue;
      }
      startAt = existing;
      totalBytes = range.total ?? (length !== null ? existing + Number(length) : null);
      log(`Resuming the download of ${name} at ${formatBytes(existing)} from ${shown}`);
    } else {
      if (existing > 0) log(`Restarting the download of ${name}: the server does not support resuming`);
      totalBytes = length !== null ? Number(length) : null;
      log(`Downloading ${name} from ${shown}${totalBytes !== null ? ` (${formatBytes(totalBytes)})` : ""}`);
    }

    const report = progressLogger(log, name);
    let received = startAt;
    const progress = () => ({ receivedBytes: received, totalBytes });
    options.onProgress?.(progress());
    const file = await open(part, startAt > 0 ? "a" : "w");
    let head = Buffer.alloc(0);
    try {
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        if (startAt === 0 && head.length < GGUF_MAGIC.length) {
          // Fail fast on HTML error pages and other non-model bodies (leaving the loop cancels the body).
          head = Buffer.concat([head, chunk]).subarray(0, GGUF_MAGIC.length);
          if (head.length === GGUF_MAGIC.length && !head.equals(GGUF_MAGIC)) break;
        }
        await file.write(chunk);
        received += chunk.byteLength;
        options.onProgress?.(progress());
        report(progress());
      }
      await file.sync();
    } catch (error) {
      await file.close();
      if (signal?.aborted) throw signal.reason ?? error;
      throw new ModelDownloadError(
        `Downloading ${shown} was interrupted at ${formatBytes(received)}: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
    await file.close();
    if (head.length === GGUF_MAGIC.length && !head.equals(GGUF_MAGIC)) {
      await rm(part, { force: true });
      throw notGguf(shown, head);
    }

    if (totalBytes !== null && received !== totalBytes) {
      throw new ModelDownloadError(
        `Downloading ${shown} ended early: got ${received} of ${totalBytes} bytes (it resumes on the next try)`,
      );
    }
    report(progress(), true);
    return finish(part, dest, received, startAt, log, name, shown);
  }
  throw new ModelDownloadError(`Downloading ${shown} failed: the server kept answering unusable byte ranges`);
}

function notGguf(shown: string, head: Buffer): ModelDownloadError {
  const printable = head.toString("latin1").replace(/[^\x20-\x7e]/g, "?");
  return new ModelDownloadError(`${shown} is not a GGUF model file (it starts with "${printable}", expected "GGUF")`);
}

async function finish(
  part: string,
  dest: string,
  bytes: number,
  resumedFromBytes: number,
  log: (message: string) => void,
  name: string,
  shown = "",
): Promise<DownloadResult> {
  const file = await open(part, "r");
  const head = Buffer.alloc(GGUF_MAGIC.length);
  try {
    await file.read(head, 0, head.length, 0);
  } finally {
    await file.close();
  }
  if (!head.equals(GGUF_MAGIC)) {
    await rm(part, { force: true });
    throw notGguf(shown || name, head);
  }
  await rename(part, dest);
  log(`Downloaded ${name} (${formatBytes(bytes)})`);
  return { path: dest, bytes, resumedFromBytes };
}
