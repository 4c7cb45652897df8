import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from "prom-client";
import { observeTraces } from "./observers";
import type { SavedTrace } from "./trace";

/**
 * Prometheus metrics for GET /api/metrics: counts and latency histograms fed
 * by every saved trace, streams in flight, the ingestion queue's depth and the
 * process's own metrics. Parley's own registry (not prom-client's global one),
 * kept on globalThis so a hot reload in `next dev` reuses it instead of
 * registering every metric twice.
 */

/** Seconds, from 1 ms to 2 min: the range a chat turn, a search stage or a first token falls in. */
export const LATENCY_BUCKETS = [
  0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 30, 60, 120,
];

/** How long a scrape waits for the job queue before reporting no queue depth. */
const QUEUE_DEPTH_TIMEOUT_MS = 2_000;

interface Metrics {
  registry: Registry;
  requests: Counter<"kind" | "source" | "outcome">;
  duration: Histogram<"kind">;
  stage: Histogram<"kind" | "stage">;
  ttft: Histogram<"kind">;
  streams: Gauge;
  answerStreams: Counter<"event">;
  upstreamOpen: Gauge;
}

const globalForMetrics = globalThis as unknown as { parleyMetrics?: Metrics };

export function metrics(): Metrics {
  if (!globalForMetrics.parleyMetrics) {
    globalForMetrics.parleyMetrics = createMetrics();
    observeTraces(recordTrace);
  }
  return globalForMetrics.parleyMetrics;
}

function createMetrics(): Metrics {
  const registry = new Registry();
  const registers = [registry];
  collectDefaultMetrics({ register: registry, prefix: "parley_" });
  new Gauge({
    name: "parley_ingest_queue_depth",
    help: "Knowledge-base ingestion jobs by state (queued: waiting or retrying later; active: running). No samples when the job queue could not be read.",
    labelNames: ["state"],
    registers,
    async collect() {
      // No stale numbers: a failed read leaves the gauge without samples.
      this.reset();
      const depth = await ingestQueueDepth();
      if (!depth) return;
      this.set({ state: "queued" }, depth.queued);
      this.set({ state: "active" }, depth.active);
    },
  });
  return {
    registry,
    requests: new Counter({
      name: "parley_requests_total",
      help: "Finished requests (chat turns, speech, background model calls) by kind, source and outcome.",
      labelNames: ["kind", "source", "outcome"],
      registers,
    }),
    duration: new Histogram({
      name: "parley_request_duration_seconds",
      help: "Time from a request's arrival to its end (a chat turn: the last token streamed and saved).",
      labelNames: ["kind"],
      buckets: LATENCY_BUCKETS,
      registers,
    }),
    stage: new Histogram({
      name: "parley_stage_duration_seconds",
      help: "Time spent in each stage of a request (auth, history_load, lexical_search, model_ttft, generation, ...).",
      labelNames: ["kind", "stage"],
      buckets: LATENCY_BUCKETS,
      registers,
    }),
    ttft: new Histogram({
      name: "parley_time_to_first_token_seconds",
      help: "Time from a request's arrival to the first token of the answer.",
      labelNames: ["kind"],
      buckets: LATENCY_BUCKETS,
      registers,
    }),
    streams: new Gauge({
      name: "parley_streams_in_flight",
      help: "Answers being generated and streamed right now.",
      registers,
    }),
    answerStreams: new Counter({
      name: "parley_answer_stream_events_total",
      help: "What happened to answers' streams: resume (a client replayed one from the start: a reload, a second tab), reconnect (a client came back after the last event it saw), stop (Stop pressed), interrupted (its server died or shut down mid-answer).",
      labelNames: ["event"],
      registers,
    }),
    upstreamOpen: new Gauge({
      name: "parley_upstream_requests_open",
      help: "Model requests started and not yet ended. Should fall back to 0 when nothing is generating: a stuck value is an orphaned request burning GPU time.",
      registers,
    }),
  };
}

export type AnswerStreamEvent = "resume" | "reconnect" | "stop" | "interrupted";

export function countAnswerStream(event: AnswerStreamEvent, n = 1): void {
  if (n > 0) metrics().answerStreams.inc({ event }, n);
}

/** A model request left Parley; pair every call with `upstreamEnded()`. */
export function upstreamStarted(): void {
  metrics().upstreamOpen.inc();
}

export function upstreamEnded(): void {
  metrics().upstreamOpen.dec();
}

/** The trace observer: quick, and never throws (label values are strings the code chose). */
function recordTrace(trace: SavedTrace): void {
  const m = metrics();
  m.requests.inc({ kind: trace.kind, source: trace.source, outcome: trace.outcome });
  m.duration.observe({ kind: trace.kind }, trace.totalMs / 1000);
  if (trace.ttftMs !== undefined) m.ttft.observe({ kind: trace.kind }, trace.ttftMs / 1000);
  for (const stage of trace.stages) m.stage.observe({ kind: trace.kind, stage: stage.name }, stage.durationMs / 1000);
}

// Count every trace from the moment anything imports this module (instrumentation.ts does at start).
metrics();

/** A chat answer started streaming; pair every call with `streamEnded()`. */
export function streamStarted(): void {
  metrics().streams.inc();
}

export function streamEnded(): void {
  metrics().streams.dec();
}

/** The whole registry in Prometheus' text format, and the content type to send it with. */
export async function scrapeMetrics(): Promise<{ body: string; contentType: string }> {
  const { registry } = metrics();
  return { body: await registry.metrics(), contentType: registry.contentType };
}

let queueReadFailing = false;

/**
 * Queued and running ingestion jobs, from pg-boss's own counts (its monitor
 * refreshes them every 10 s, monitorIntervalSeconds in lib/jobs/boss.ts). Undefined when the database or the job
 * queue cannot answer in time: a scrape must still succeed then.
 */
async function ingestQueueDepth(): Promise<{ queued: number; active: number } | undefined> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    const read = (async () => {
      const [{ jobs }, { INGEST_QUEUE }] = await Promise.all([import("../jobs/boss"), import("../rag/ingest/queue")]);
      const boss = await jobs();
      // Not created until the first upload or the worker's start: nothing queued yet.
      if (!(await boss.getQueue(INGEST_QUEUE))) return { queued: 0, active: 0 };
      const [stats] = await boss.getQueueStats(INGEST_QUEUE);
      return { queued: stats?.queuedCount ?? 0, active: stats?.activeCount ?? 0 };
    })();
    read.catch(() => {}); // a read that loses the race below must not become an unhandled rejection
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer in ${QUEUE_DEPTH_TIMEOUT_MS} ms`)), QUEUE_DEPTH_TIMEOUT_MS);
    });
    const depth = await Promise.race([read, timeout]);
    if (queueReadFailing) console.log("[parley] metrics: the ingestion queue depth can be read again");
    queueReadFailing = false;
    return depth;
  } catch (error) {
    // Once per outage, not once per scrape.
    if (!queueReadFailing) console.warn(`[parley] metrics: could not read the ingestion queue depth: ${(error as Error).message}`);
    queueReadFailing = true;
    return undefined;
  } finally {
    clearTimeout(timer);
  }
}
