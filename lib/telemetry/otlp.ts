import { diag, DiagLogLevel, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace as otelTrace, type Attributes } from "@opentelemetry/api";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-http";
import { defaultResource, detectResources, hostDetector, resourceAttributesEnvDetector, resourceFromAttributes } from "@opentelemetry/resources";
import { BatchSpanProcessor, RandomIdGenerator, TracerProvider, type IdGenerator } from "@opentelemetry/sdk-trace";
import { ATTR_ERROR_TYPE, ATTR_SERVICE_NAME } from "@opentelemetry/semantic-conventions";
import { config } from "../config";
import { observeTraces } from "./observers";
import type { SavedTrace } from "./trace";

/**
 * OpenTelemetry export of Parley's own request traces over OTLP/HTTP (JSON),
 * on when OTEL_EXPORTER_OTLP_ENDPOINT or OTEL_EXPORTER_OTLP_TRACES_ENDPOINT is
 * set. Each saved trace becomes one span for the request (`parley.chat`,
 * `parley.tts`, ...) with one child span per stage, timed from what the trace
 * measured; its OTel trace id is the Parley trace id, so a trace found in
 * Jaeger or Tempo is the one the latency dashboard shows. Spans are built after
 * the request, by the trace observer, so no context propagation is involved
 * and nothing is registered globally (Next's own spans stay off).
 */

export interface OtlpExport {
  /** Sends every span still queued; a failure is logged, never thrown. */
  flush(): Promise<void>;
  /** Stops exporting: flushes, then stops listening to traces. */
  shutdown(): Promise<void>;
}

const TRACER = "parley";

// GenAI semantic conventions (still "incubating" upstream, so spelled out rather than imported).
const ATTR_GEN_AI_REQUEST_MODEL = "gen_ai.request.model";
const ATTR_GEN_AI_INPUT_TOKENS = "gen_ai.usage.input_tokens";
const ATTR_GEN_AI_OUTPUT_TOKENS = "gen_ai.usage.output_tokens";

const globalForOtlp = globalThis as unknown as { parleyOtlp?: OtlpExport };

/**
 * Starts the export when it is configured (and not already running in this
 * process); undefined otherwise. The exporter reads the endpoint, headers,
 * timeout and compression from the standard OTEL_EXPORTER_OTLP_* variables.
 */
export function startOtlpExport(): OtlpExport | undefined {
  if (globalForOtlp.parleyOtlp) return globalForOtlp.parleyOtlp;
  if (!config.telemetry.otlpEnabled) return undefined;
  installDiagLogger();

  const ids = new ParleyIds();
  // Defaults, the host, OTEL_RESOURCE_ATTRIBUTES, then the service name (OTEL_SERVICE_NAME, else "parley").
  const resource = defaultResource()
    .merge(detectResources({ detectors: [hostDetector, resourceAttributesEnvDetector] }))
    .merge(resourceFromAttributes({ [ATTR_SERVICE_NAME]: config.telemetry.serviceName }));
  const provider = new TracerProvider({
    resource,
    idGenerator: ids,
    spanProcessors: [new BatchSpanProcessor({ exporter: new OTLPTraceExporter() })],
  });
  const tracer = provider.getTracer(TRACER);

  const stopObserving = observeTraces((saved) => {
    ids.next = otelTraceId(saved.id);
    try {
      exportTrace(tracer, saved);
    } finally {
      ids.next = undefined;
    }
  });

  const flush = () =>
    provider.forceFlush().catch((error: unknown) => {
      console.warn(`[parley] OpenTelemetry: spans could not be sent: ${error instanceof Error ? error.message : String(error)}`);
    });
  const flushOnExit = () => void flush();
  process.once("beforeExit", flushOnExit);

  const running: OtlpExport = {
    flush,
    shutdown: async () => {
      stopObserving();
      process.off("beforeExit", flushOnExit);
      if (globalForOtlp.parleyOtlp === running) globalForOtlp.parleyOtlp = undefined;
      await provider.shutdown();
    },
  };
  globalForOtlp.parleyOtlp = running;
  return running;
}

/**
 * Shutdown: sends the spans still queued and stops the export (a no-op when it
 * is off). Without it the batch processor's last few seconds of spans are lost
 * at exit: `beforeExit` never fires when the process ends with process.exit().
 */
export async function stopOtlpExport(): Promise<void> {
  await globalForOtlp.parleyOtlp?.shutdown().catch((error: unknown) => {
    console.warn(`[parley] OpenTelemetry: spans could not be sent at shutdown: ${error instanceof Error ? error.message : String(error)}`);
  });
}

type Tracer = ReturnType<TracerProvider["getTracer"]>;

function exportTrace(tracer: Tracer, saved: SavedTrace): void {
  const start = saved.startedAt.getTime();
  const attributes: Attributes = {
    "parley.request.id": saved.id,
    "parley.kind": saved.kind,
    "parley.source": saved.source,
    "parley.outcome": saved.outcome,
    "parley.retrieval": saved.retrieval,
  };
  if (saved.bottleneck) attributes["parley.bottleneck"] = saved.bottleneck;
  if (saved.chatId) attributes["parley.chat.id"] = saved.chatId;
  if (saved.messageId) attributes["parley.message.id"] = saved.messageId;
  if (saved.userId) attributes["user.id"] = saved.userId;
  if (saved.model) attributes[ATTR_GEN_AI_REQUEST_MODEL] = saved.model;
  if (saved.promptTokens !== undefined) attributes[ATTR_GEN_AI_INPUT_TOKENS] = saved.promptTokens;
  if (saved.completionTokens !== undefined) attributes[ATTR_GEN_AI_OUTPUT_TOKENS] = saved.completionTokens;
  if (saved.ttftMs !== undefined) attributes["parley.ttft_ms"] = saved.ttftMs;
  if (saved.tokensPerSec !== undefined) attributes["parley.tokens_per_second"] = saved.tokensPerSec;

  const request = tracer.startSpan(
    `parley.${saved.kind}`,
    { kind: saved.source === "background" ? SpanKind.INTERNAL : SpanKind.SERVER, startTime: start, attributes },
    ROOT_CONTEXT,
  );
  // A timeout failed the user as much as an error did; an abort was the user's own choice.
  if (saved.outcome === "error" || saved.outcome === "timeout") {
    request.setAttribute(ATTR_ERROR_TYPE, saved.outcome);
    request.setStatus({ code: SpanStatusCode.ERROR, message: saved.error ?? saved.outcome });
  }
  const parent = otelTrace.setSpan(ROOT_CONTEXT, request);
  for (const stage of saved.stages) {
    const span = tracer.startSpan(
      stage.name,
      { kind: SpanKind.INTERNAL, startTime: start + stage.startMs, attributes: { "parley.stage": stage.name } },
      parent,
    );
    span.end(start + stage.startMs + stage.durationMs);
  }
  request.end(start + saved.totalMs);
}

/** The Parley trace id (a UUID) as an OTel trace id: the same 128 bits in hex. */
function otelTraceId(id: string): string | undefined {
  const hex = id.replaceAll("-", "").toLowerCase();
  return /^[0-9a-f]{32}$/.test(hex) && !/^0+$/.test(hex) ? hex : undefined;
}

/** Random ids, except the trace id of the request being exported, which is set just before its span starts. */
class ParleyIds implements IdGenerator {
  next: string | undefined;
  private readonly random = new RandomIdGenerator();

  generateTraceId(): string {
    return this.next ?? this.random.generateTraceId();
  }

  generateSpanId(): string {
    return this.random.generateSpanId();
  }
}

/**
 * The SDK reports failed exports (a wrong endpoint, a collector that is down)
 * through its diagnostic logger, silent by default: log warnings and errors,
 * each distinct message at most once a minute.
 */
function installDiagLogger(): void {
  const lastLogged = new Map<string, number>();
  const log = (level: "warn" | "error") => (message: string, ...args: unknown[]) => {
    const now = Date.now();
    if ((lastLogged.get(message) ?? -Infinity) > now - 60_000) return;
    lastLogged.set(message, now);
    console[level](`[parley] OpenTelemetry: ${message}`, ...args);
  };
  const quiet = () => {};
  diag.setLogger(
    { error: log("error"), warn: log("warn"), info: quiet, debug: quiet, verbose: quiet },
    { logLevel: DiagLogLevel.WARN, suppressOverrideMessage: true },
  );
}
