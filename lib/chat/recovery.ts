import { config } from "../config";
import { database } from "../db/client";
import { interruptOrphanedAnswers } from "../db/queries/answers";
import { retryUntilDone } from "../jobs/retry";
import { countAnswerStream } from "../telemetry/metrics";
import { INSTANCE_ID } from "./generation";

/**
 * Answers whose Parley process died mid-stream (kill -9, power loss) are
 * still "streaming" in the database. They become "interrupted", keeping the
 * text checkpointed before the crash, as soon as their owner is known dead:
 * at once at start on the embedded database (one process per data folder, so
 * any other owner is gone), else when their lease lapses, which every live
 * instance checks every half lease.
 */
export function startAnswerRecovery(): void {
  const globalForRecovery = globalThis as unknown as { parleyAnswerRecovery?: boolean };
  if (globalForRecovery.parleyAnswerRecovery) return;
  globalForRecovery.parleyAnswerRecovery = true;
  retryUntilDone(
    async () => {
      const { kind } = await database();
      const count = await interruptOrphanedAnswers(kind === "pglite" ? { exceptOwner: INSTANCE_ID } : {});
      countAnswerStream("interrupted", count);
      if (count > 0) console.log(`[parley] ${count} answer(s) left streaming by a stopped server marked interrupted`);
    },
    { onError: (error, retryInMs) => console.warn(`[parley] interrupted-answer check failed (${error.message}); again in ${Math.round((retryInMs ?? 0) / 1000)} s`) },
  );
  const timer = setInterval(() => {
    interruptOrphanedAnswers().then((count) => countAnswerStream("interrupted", count)).catch(() => {
      // The database is away: the next round tries again.
    });
  }, config.chat.leaseMs / 2);
  timer.unref();
}
