import { describe, expect, it } from "vitest";
import { bottleneckOf, usedRetrieval } from "../../lib/telemetry/stages";
import { commonestBottleneck, latencyBin, percentile, type Histogram } from "../../lib/telemetry/statistics";

function histogramOf(values: number[]): Histogram {
  const bins = new Map<number, number>();
  for (const value of values) bins.set(latencyBin(value), (bins.get(latencyBin(value)) ?? 0) + 1);
  return bins;
}

function exactPercentile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)]!;
}

describe("percentiles from latency bins", () => {
  it("are within 5 % of the exact value on a spread of latencies", () => {
    // 1..2000 ms, skewed like real latencies: many fast, a long tail.
    const values = Array.from({ length: 1000 }, (_, i) => 1 + (i / 1000) ** 3 * 2000);
    for (const q of [0.5, 0.9, 0.95, 0.99]) {
      const exact = exactPercentile(values, q);
      expect(Math.abs(percentile(histogramOf(values), q)! - exact) / exact).toBeLessThan(0.05);
    }
  });

  it("p50 and p95 of a two-speed workload land on each speed", () => {
    // 90 requests at 100 ms, 10 at 3000 ms: the median is fast, the p95 is slow.
    const values = [...Array(90).fill(100), ...Array(10).fill(3000)];
    const histogram = histogramOf(values);
    expect(percentile(histogram, 0.5)).toBeGreaterThan(95);
    expect(percentile(histogram, 0.5)).toBeLessThan(105);
    expect(percentile(histogram, 0.95)).toBeGreaterThan(2850);
    expect(percentile(histogram, 0.95)).toBeLessThan(3150);
  });

  it("sub-millisecond values and empty histograms", () => {
    expect(percentile(histogramOf([0.2, 0.4, 0.6, 0.8]), 0.5)).toBeLessThan(1);
    expect(percentile(new Map(), 0.5)).toBeUndefined();
  });

  it("bins match the SQL rule's edges", () => {
    expect(latencyBin(0.99)).toBe(0);
    expect(latencyBin(1)).toBe(1);
    expect(latencyBin(1.0999)).toBe(1);
    expect(latencyBin(1.1001)).toBe(2);
    expect(latencyBin(1e12)).toBe(159);
  });
});

describe("bottleneck", () => {
  const stages = [
    { name: "auth", startMs: 0, durationMs: 2 },
    { name: "lexical_search", startMs: 2, durationMs: 40 },
    { name: "model_ttft", startMs: 45, durationMs: 300 },
    { name: "generation", startMs: 345, durationMs: 4000 },
    { name: "persist", startMs: 4345, durationMs: 5 },
  ];

  it("is the longest stage before the first token, not the answer's generation", () => {
    expect(bottleneckOf(stages, 345)).toBe("model_ttft");
  });

  it("is retrieval when retrieval waits longest", () => {
    const slowSearch = stages.map((s) => (s.name === "lexical_search" ? { ...s, durationMs: 900 } : s));
    expect(bottleneckOf(slowSearch, 345)).toBe("lexical_search");
  });

  it("counts every stage when there was no first token", () => {
    expect(bottleneckOf(stages.slice(0, 3))).toBe("model_ttft");
    expect(bottleneckOf([{ name: "generation", startMs: 0, durationMs: 10 }, { name: "auth", startMs: 0, durationMs: 1 }])).toBe(
      "generation",
    );
    expect(bottleneckOf([])).toBeUndefined();
  });

  it("retrieval is recognised from its stages", () => {
    expect(usedRetrieval(stages)).toBe(true);
    expect(usedRetrieval(stages.filter((s) => s.name !== "lexical_search"))).toBe(false);
  });

  it("the commonest bottleneck across requests is the one named most often", () => {
    expect(
      commonestBottleneck([
        { name: "model_ttft", count: 10, sumMs: 3000, bottleneckCount: 6 },
        { name: "lexical_search", count: 10, sumMs: 900, bottleneckCount: 4 },
        { name: "auth", count: 10, sumMs: 10, bottleneckCount: 0 },
      ])?.name,
    ).toBe("model_ttft");
    expect(commonestBottleneck([{ name: "auth", count: 1, sumMs: 1, bottleneckCount: 0 }])).toBeUndefined();
  });
});

describe("milestones", () => {
  it("time to first audio spans the stages before it and is never the bottleneck", () => {
    const speech = [
      { name: "auth", startMs: 0, durationMs: 3 },
      { name: "synthesis", startMs: 3, durationMs: 180 },
      { name: "first_audio", startMs: 0, durationMs: 95 },
    ];
    expect(bottleneckOf(speech, 95)).toBe("synthesis");
  });
});
