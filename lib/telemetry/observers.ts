import type { SavedTrace } from "./trace";

/** Something told about every finished trace (metrics, OTLP export). Must be quick and never throw. */
export type TraceObserver = (trace: SavedTrace) => void;

const globalForObservers = globalThis as unknown as { parleyTraceObservers?: Set<TraceObserver> };

export function traceObservers(): Set<TraceObserver> {
  globalForObservers.parleyTraceObservers ??= new Set();
  return globalForObservers.parleyTraceObservers;
}

/** Registers an observer; returns a function that removes it. */
export function observeTraces(observer: TraceObserver): () => void {
  traceObservers().add(observer);
  return () => traceObservers().delete(observer);
}
