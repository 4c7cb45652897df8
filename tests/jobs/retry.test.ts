import { describe, expect, it } from "vitest";
import { backoffMs, isDatabaseUnavailable, retryUntilDone } from "../../lib/jobs/retry";
import { waitFor } from "../helpers/app";

describe("retry with backoff", () => {
  it("doubles each wait up to the cap, keeping at least half of each step (equal jitter)", () => {
    const options = { baseMs: 1_000, maxMs: 30_000 };
    const low = [0, 1, 2, 3, 4, 5, 6, 20].map((attempt) => backoffMs(attempt, options, () => 0));
    const high = [0, 1, 2, 3, 4, 5, 6, 20].map((attempt) => backoffMs(attempt, options, () => 1));
    expect(high).toEqual([1_000, 2_000, 4_000, 8_000, 16_000, 30_000, 30_000, 30_000]);
    expect(low).toEqual(high.map((ms) => ms / 2));
    // Two processes retrying at once wait different times.
    expect(backoffMs(3, options, () => 0.1)).not.toBe(backoffMs(3, options, () => 0.9));
  });

  it("tries again after each failure until the task succeeds, and says why it last failed meanwhile", async () => {
    let calls = 0;
    const waits: Array<number | undefined> = [];
    const retrying = retryUntilDone(
      async () => {
        if (++calls < 4) throw new Error(`not yet (${calls})`);
      },
      { baseMs: 5, maxMs: 20, onError: (_, wait) => waits.push(wait) },
    );
    await waitFor(async () => retrying.done);
    expect(calls).toBe(4);
    expect(retrying.failures).toBe(3);
    expect(retrying.error).toBeUndefined();
    expect(waits).toHaveLength(3);
  });

  it("stops on a failure that waiting cannot cure, and when stopped", async () => {
    let calls = 0;
    const refused = retryUntilDone(
      async () => {
        calls++;
        throw new Error("syntax error at or near SELEKT");
      },
      { baseMs: 5, retryIf: isDatabaseUnavailable },
    );
    await waitFor(async () => refused.failures === 1);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(calls).toBe(1);
    expect(refused.error).toBe("syntax error at or near SELEKT");

    const stopped = retryUntilDone(async () => {
      throw Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:5432"), { code: "ECONNREFUSED" });
    }, { baseMs: 5 });
    await waitFor(async () => stopped.failures >= 2);
    stopped.stop();
    const after = stopped.failures;
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(stopped.failures).toBe(after);
  });

  it("tells an unreachable database from a failing statement", () => {
    expect(isDatabaseUnavailable(Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:5432"), { code: "ECONNREFUSED" }))).toBe(true);
    expect(isDatabaseUnavailable(Object.assign(new Error("terminating connection due to administrator command"), { code: "57P01" }))).toBe(true);
    expect(isDatabaseUnavailable(new Error("Connection terminated unexpectedly"))).toBe(true);
    expect(isDatabaseUnavailable(new Error("the embedded database thread exited (1)"))).toBe(true);
    expect(isDatabaseUnavailable(Object.assign(new Error('relation "Nope" does not exist'), { code: "42P01" }))).toBe(false);
  });
});
