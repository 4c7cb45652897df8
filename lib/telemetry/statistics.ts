/**
 * Latency statistics from histogram bins. The database keeps latencies as
 * counts per bin (the SQL function parley_latency_bin): bin 0 holds [0, 1) ms,
 * bin i >= 1 holds [1.1^(i-1), 1.1^i) ms, the last bin everything above. A
 * percentile read from them is interpolated inside its bin, so it is within
 * 5 % of the exact value; counting happens in SQL, this only walks ≤ 160 bins.
 */
export const BIN_COUNT = 160;
const GROWTH = 1.1;

/** The bin a latency falls in; the same rule as parley_latency_bin in SQL. */
export function latencyBin(ms: number): number {
  if (ms < 1) return 0;
  return Math.min(BIN_COUNT - 1, 1 + Math.floor(Math.log(ms) / Math.log(GROWTH)));
}

/** [low, high) milliseconds of a bin; the last bin has no upper bound. */
export function binRange(bin: number): [number, number] {
  if (bin <= 0) return [0, 1];
  const low = GROWTH ** (bin - 1);
  return [low, bin >= BIN_COUNT - 1 ? Infinity : GROWTH ** bin];
}

/** Counts per bin, sparse. */
export type Histogram = ReadonlyMap<number, number>;

export function histogramCount(histogram: Histogram): number {
  let total = 0;
  for (const n of histogram.values()) total += n;
  return total;
}

/**
 * The q-quantile (0 < q ≤ 1) of the latencies counted, interpolated inside its
 * bin (linearly in bin 0, geometrically above, as the bins grow by 10 %).
 * Undefined when nothing was counted.
 */
export function percentile(histogram: Histogram, q: number): number | undefined {
  const total = histogramCount(histogram);
  if (total === 0) return undefined;
  const rank = q * total;
  let seen = 0;
  for (const bin of [...histogram.keys()].sort((a, b) => a - b)) {
    const n = histogram.get(bin) ?? 0;
    if (n === 0) continue;
    if (seen + n >= rank) {
      const [low, high] = binRange(bin);
      if (high === Infinity) return low;
      const within = Math.min(1, Math.max(0, (rank - seen) / n));
      return bin === 0 ? low + within * (high - low) : low * (high / low) ** within;
    }
    seen += n;
  }
  return undefined;
}

export interface StageTotals {
  name: string;
  /** Requests that ran this stage. */
  count: number;
  sumMs: number;
  /** Requests for which it was the bottleneck. */
  bottleneckCount: number;
}

/** The stage that was the bottleneck of the most requests (ties: the slower on average). */
export function commonestBottleneck(stages: readonly StageTotals[]): StageTotals | undefined {
  let best: StageTotals | undefined;
  for (const stage of stages) {
    if (stage.bottleneckCount === 0) continue;
    if (
      !best ||
      stage.bottleneckCount > best.bottleneckCount ||
      (stage.bottleneckCount === best.bottleneckCount && stage.sumMs / stage.count > best.sumMs / best.count)
    ) {
      best = stage;
    }
  }
  return best;
}

/** Sum / count, or undefined for nothing counted. */
export function mean(sum: number, count: number): number | undefined {
  return count > 0 ? sum / count : undefined;
}
