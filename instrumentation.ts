/**
 * Runs once when the server starts: open (and migrate) the database and start
 * preparing the model, so the first request does not pay for either.
 */
export async function register() {
  if (process.env.NEXT_RUNTIME !== "nodejs") return;
  // First, so a stop signal at any moment from here on drains answers and flushes traces (lib/shutdown.ts).
  (await import("./lib/shutdown")).installShutdownHandlers();
  const [{ database }, { chatModel }] = await Promise.all([import("./lib/db/client"), import("./lib/ai/chat-model")]);
  try {
    const db = await database();
    console.log(`[parley] database ready (${db.kind})`);
  } catch (error) {
    console.error("[parley] database failed to open; /api/health will report it", error);
  }
  try {
    // Started now, or retried with backoff until the database lets it (health says so meanwhile).
    (await import("./lib/rag/ingest/queue")).superviseIngestWorker();
  } catch (error) {
    console.error("[parley] the ingestion worker did not start; uploads will wait in the queue", error);
  }
  try {
    // Answers a crashed server left "streaming" become "interrupted", with their checkpointed text.
    (await import("./lib/chat/recovery")).startAnswerRecovery();
  } catch (error) {
    console.error("[parley] the interrupted-answer check did not start", error);
  }
  try {
    // Metrics count every trace from now on; old traces are pruned hourly (TRACE_RETENTION_DAYS).
    await import("./lib/telemetry/metrics");
    (await import("./lib/telemetry/prune")).startTracePruning();
  } catch (error) {
    console.error("[parley] metrics or trace pruning did not start; requests are unaffected", error);
  }
  try {
    if ((await import("./lib/telemetry/otlp")).startOtlpExport()) console.log("[parley] exporting traces over OTLP");
  } catch (error) {
    console.error("[parley] OpenTelemetry export did not start (check OTEL_EXPORTER_OTLP_*); requests are unaffected", error);
  }
  try {
    (await chatModel()).warm();
  } catch (error) {
    console.error("[parley] model preparation failed; /api/health will report it", error);
  }
}
