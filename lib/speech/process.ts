import { spawn } from "node:child_process";

export interface RunResult {
  stdout: Buffer;
  stderr: string;
  code: number | null;
}

/** The program is not installed (spawn failed with ENOENT or EACCES). */
export class MissingProgramError extends Error {
  constructor(readonly program: string) {
    super(`${program} is not installed (or not on PATH)`);
    this.name = "MissingProgramError";
  }
}

/**
 * Runs a program with `input` on stdin and collects its output. Arguments are
 * passed as a list (no shell), so text never becomes options or commands.
 * Killed on abort or after `timeoutMs`.
 */
export function runProgram(
  program: string,
  args: string[],
  { input, signal, timeoutMs = 60_000, maxOutputBytes = 64 * 1024 * 1024 }: { input?: string | Uint8Array; signal?: AbortSignal; timeoutMs?: number; maxOutputBytes?: number } = {},
): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    signal?.throwIfAborted();
    const child = spawn(program, args, { stdio: ["pipe", "pipe", "pipe"] });
    const out: Buffer[] = [];
    let outBytes = 0;
    let err = "";
    let settled = false;
    const finish = (error: unknown, result?: RunResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
      if (error) {
        child.kill("SIGKILL");
        reject(error);
      } else resolve(result!);
    };
    const onAbort = () => finish(signal!.reason);
    signal?.addEventListener("abort", onAbort, { once: true });
    const timer = setTimeout(() => finish(new Error(`${program} took longer than ${timeoutMs / 1000} s`)), timeoutMs);
    child.on("error", (error: NodeJS.ErrnoException) =>
      finish(error.code === "ENOENT" || error.code === "EACCES" ? new MissingProgramError(program) : error),
    );
    child.stdout.on("data", (chunk: Buffer) => {
      outBytes += chunk.length;
      if (outBytes > maxOutputBytes) finish(new Error(`${program} wrote more than ${maxOutputBytes} bytes`));
      else out.push(chunk);
    });
    child.stderr.on("data", (chunk: Buffer) => {
      if (err.length < 4_000) err += chunk.toString("utf8");
    });
    child.on("close", (code) => finish(null, { stdout: Buffer.concat(out), stderr: err.trim(), code }));
    child.stdin.on("error", () => {}); // a program that exits early closes its stdin: the exit code tells
    child.stdin.end(input ?? "");
  });
}

/** A status that is worked out at most every `ttlMs` (health is polled; spawning a program each time is waste). */
export function cachedFor<T>(ttlMs: number, compute: () => Promise<T>): () => Promise<T> {
  let cached: { at: number; value: Promise<T> } | undefined;
  return () => {
    if (!cached || Date.now() - cached.at > ttlMs) cached = { at: Date.now(), value: compute() };
    return cached.value;
  };
}
