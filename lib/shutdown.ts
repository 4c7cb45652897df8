import { config } from "./config";

/**
 * Graceful shutdown on SIGTERM or SIGINT (a deploy, `docker stop`, Ctrl-C):
 *
 *   1. drain     new chat turns are refused (503 + Retry-After, lib/http/route.ts) and
 *                /api/health answers 503 "Server: draining", so a load balancer moves on;
 *   2. wait      running answers go on to their end, for up to SHUTDOWN_DRAIN_SECONDS;
 *   3. interrupt those still running are stored "interrupted" with their text so far;
 *   4. flush     queued traces are written and queued OTLP spans sent;
 *   5. exit.
 *
 * A second signal skips what is left of the wait. Next's own `next start`
 * handler would close the listening socket (so nobody could be told "draining")
 * and exit once open requests end, so Parley starts with NEXT_MANUAL_SIG_HANDLE=1
 * (package.json) and this module owns the signals.
 */

const globalForShutdown = globalThis as unknown as { parleyShutdown?: { draining: boolean; installed: boolean } };
const state = (globalForShutdown.parleyShutdown ??= { draining: false, installed: false });

/** True from the first SIGTERM/SIGINT on: no new answers may start. */
export function isDraining(): boolean {
  return state.draining;
}

/** What a refused request, and health, say while the server drains. */
export const DRAINING_MESSAGE = "Parley is shutting down; try again in a moment.";
export const DRAINING_REASON = "Server: draining";
/** Seconds a refused client should wait: by then a restarted or other instance takes the turn. */
export const DRAINING_RETRY_AFTER_S = 5;

/** Registers the signal handlers once per process (instrumentation.ts, at server start). */
export function installShutdownHandlers(): void {
  if (state.installed) return;
  state.installed = true;
  if (!process.env.NEXT_MANUAL_SIG_HANDLE && process.env.NEXT_RUNTIME && process.env.NODE_ENV === "production") {
    console.warn(
      "[parley] NEXT_MANUAL_SIG_HANDLE is not set: Next.js's own SIGTERM handler may exit before running answers are saved (start with `npm start`)",
    );
  }
  let hurry: () => void = () => {};
  const hurried = new Promise<void>((resolve) => (hurry = resolve));
  const onSignal = (signal: NodeJS.Signals) => {
    if (state.draining) {
      console.log(`[parley] ${signal} again: interrupting running answers now`);
      hurry();
      return;
    }
    void shutdown(signal, hurried).then(
      () => process.exit(0),
      (error) => {
        console.error("[parley] shutdown failed", error);
        process.exit(1);
      },
    );
  };
  process.on("SIGTERM", onSignal);
  process.on("SIGINT", onSignal);
}

/** The sequence above, without the exit. `hurried` resolves on a second signal. */
export async function shutdown(signal: string, hurried: Promise<void> = new Promise(() => {})): Promise<void> {
  state.draining = true;
  const drainMs = config.chat.drainTimeoutMs;
  const { interruptAll, runningGenerations } = await import("./chat/generation");
  const running = runningGenerations();
  console.log(`[parley] ${signal}: draining; ${running.size} answer(s) running get up to ${Math.round(drainMs / 1000)} s to finish`);

  // A turn already past the refusal when the signal came may still start: wait for those too.
  const deadline = Date.now() + drainMs;
  let hurry = false;
  void hurried.then(() => (hurry = true));
  while (running.size > 0 && !hurry && Date.now() < deadline) {
    await Promise.race([Promise.allSettled([...running.values()].map((g) => g.done)), hurried, sleep(Math.min(250, deadline - Date.now()))]);
  }
  const interrupted = await interruptAll();
  if (interrupted > 0) console.log(`[parley] ${interrupted} answer(s) stored as interrupted`);

  const [{ flushTraces }, { stopOtlpExport }] = await Promise.all([import("./telemetry/trace-writer"), import("./telemetry/otlp")]);
  await Promise.allSettled([flushTraces(), stopOtlpExport()]);
  console.log("[parley] shutdown complete");
}

function sleep(ms: number) {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
}
