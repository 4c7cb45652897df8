import { afterAll, afterEach, beforeAll, expect, it } from "vitest";
import { traceObservers } from "../../lib/telemetry/observers";
import { startOtlpExport, type OtlpExport } from "../../lib/telemetry/otlp";
import type { SavedTrace } from "../../lib/telemetry/trace";
import { otlpCollector, type OtlpSpan } from "../helpers/otlp-collector";

const collector = otlpCollector();
const received = collector.received;
const ENV = [
  "OTEL_EXPORTER_OTLP_ENDPOINT",
  "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
  "OTEL_EXPORTER_OTLP_HEADERS",
  "OTEL_EXPORTER_OTLP_TIMEOUT",
  "OTEL_SERVICE_NAME",
];
const savedEnv = Object.fromEntries(ENV.map((name) => [name, process.env[name]]));

beforeAll(() => collector.listen());

let running: OtlpExport | undefined;
afterEach(async () => {
  await running?.shutdown();
  running = undefined;
  received.length = 0;
  for (const name of ENV) {
    if (savedEnv[name] === undefined) delete process.env[name];
    else process.env[name] = savedEnv[name];
  }
});
afterAll(() => collector.close());

const collectorUrl = () => collector.url();

/** What Trace.save hands every observer. */
function save(trace: SavedTrace) {
  for (const observe of traceObservers()) observe(trace);
}

const nanos = (value: string | number) => BigInt(value);
const ms = (from: string | number, to: string | number) => Number(nanos(to) - nanos(from)) / 1e6;
const attribute = (span: { attributes: OtlpSpan["attributes"] }, key: string) => {
  const value = span.attributes.find((a) => a.key === key)?.value;
  return value && Object.values(value)[0];
};

it("does nothing without an endpoint", () => {
  for (const name of ENV) delete process.env[name];
  expect(startOtlpExport()).toBeUndefined();
});

it("sends one span per request with a child span per stage, at the times the trace measured", async () => {
  process.env.OTEL_EXPORTER_OTLP_ENDPOINT = collectorUrl();
  process.env.OTEL_EXPORTER_OTLP_HEADERS = "x-collector-token=s3cret";
  process.env.OTEL_SERVICE_NAME = "parley-test";
  running = startOtlpExport();
  expect(running).toBeDefined();
  expect(startOtlpExport()).toBe(running); // once per process

  const startedAt = new Date("2026-11-30T10:00:00.000Z");
  const trace: SavedTrace = {
    id: "0f8fad5b-d9cb-469f-a165-70867728950e",
    kind: "chat",
    source: "api",
    outcome: "ok",
    startedAt,
    totalMs: 1234.5,
    retrieval: true,
    bottleneck: "model_ttft",
    userId: "user-1",
    chatId: "chat-1",
    messageId: "message-1",
    model: "qwen",
    ttftMs: 420.25,
    promptTokens: 812,
    completionTokens: 96,
    tokensPerSec: 118.5,
    stages: [
      { name: "auth", startMs: 0.5, durationMs: 2.25 },
      { name: "lexical_search", startMs: 3, durationMs: 40 },
      { name: "model_ttft", startMs: 50, durationMs: 370.25 },
      { name: "generation", startMs: 420.25, durationMs: 800 },
    ],
  };
  save(trace);
  save({ ...trace, id: "not-a-uuid", kind: "tts", source: "ui", outcome: "error", error: "espeak-ng exited with 1", stages: [] });
  await running!.flush();

  expect(received.length).toBeGreaterThan(0);
  expect(received[0]!.path).toBe("/v1/traces");
  expect(received[0]!.headers["content-type"]).toMatch(/^application\/json/);
  expect(received[0]!.headers["x-collector-token"]).toBe("s3cret");
  const resource = received[0]!.body.resourceSpans[0]!.resource;
  expect(attribute(resource, "service.name")).toBe("parley-test");
  const spans = collector.spans();

  const request = spans.find((s) => s.name === "parley.chat")!;
  expect(request).toBeDefined();
  // The OTel trace id is the Parley trace id.
  expect(request.traceId).toBe("0f8fad5bd9cb469fa16570867728950e");
  expect(request.parentSpanId ?? "").toBe("");
  expect(request.kind).toBe(2); // SERVER
  expect(Number(nanos(request.startTimeUnixNano) / 1_000_000n)).toBe(startedAt.getTime());
  expect(ms(request.startTimeUnixNano, request.endTimeUnixNano)).toBeCloseTo(1234.5, 3);
  expect(attribute(request, "parley.request.id")).toBe(trace.id);
  expect(attribute(request, "parley.kind")).toBe("chat");
  expect(attribute(request, "parley.source")).toBe("api");
  expect(attribute(request, "parley.outcome")).toBe("ok");
  expect(attribute(request, "parley.retrieval")).toBe(true);
  expect(attribute(request, "parley.bottleneck")).toBe("model_ttft");
  expect(attribute(request, "gen_ai.request.model")).toBe("qwen");
  expect(Number(attribute(request, "gen_ai.usage.input_tokens"))).toBe(812);
  expect(Number(attribute(request, "gen_ai.usage.output_tokens"))).toBe(96);
  expect(attribute(request, "parley.ttft_ms")).toBe(420.25);
  expect(request.status?.code ?? 0).toBe(0); // unset

  const children = spans.filter((s) => s.parentSpanId === request.spanId);
  expect(children.map((s) => s.name).sort()).toEqual(["auth", "generation", "lexical_search", "model_ttft"]);
  for (const stage of trace.stages) {
    const span = children.find((s) => s.name === stage.name)!;
    expect(span.traceId).toBe(request.traceId);
    expect(ms(request.startTimeUnixNano, span.startTimeUnixNano)).toBeCloseTo(stage.startMs, 3);
    expect(ms(span.startTimeUnixNano, span.endTimeUnixNano)).toBeCloseTo(stage.durationMs, 3);
  }

  const failed = spans.find((s) => s.name === "parley.tts")!;
  expect(failed.traceId).toMatch(/^[0-9a-f]{32}$/);
  expect(failed.traceId).not.toBe(request.traceId);
  expect(failed.status).toMatchObject({ code: 2, message: "espeak-ng exited with 1" }); // ERROR
  expect(attribute(failed, "error.type")).toBe("error");
  expect(spans.filter((s) => s.traceId === failed.traceId)).toHaveLength(1);
});

it("uses the traces endpoint as given, and stops listening on shutdown", async () => {
  process.env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT = `${collectorUrl()}/custom/path`;
  running = startOtlpExport();
  const before = traceObservers().size;
  save({ id: crypto.randomUUID(), kind: "title", source: "background", outcome: "ok", startedAt: new Date(), totalMs: 5, retrieval: false, stages: [] });
  await running!.flush();
  expect(received.map((r) => r.path)).toEqual(["/custom/path"]);
  const span = received[0]!.body.resourceSpans[0]!.scopeSpans[0]!.spans[0]!;
  expect(span.kind).toBe(1); // INTERNAL: a background model call
  expect(attribute(received[0]!.body.resourceSpans[0]!.resource, "service.name")).toBe("parley");
  await running!.shutdown();
  running = undefined;
  expect(traceObservers().size).toBe(before - 1);
});

it("only logs when the endpoint is malformed or nothing listens there", async () => {
  process.env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT = "http://127.0.0.1:1/v1/traces";
  process.env.OTEL_EXPORTER_OTLP_TIMEOUT = "500"; // retries give up after this
  running = startOtlpExport();
  save({ id: crypto.randomUUID(), kind: "chat", source: "ui", outcome: "ok", startedAt: new Date(), totalMs: 5, retrieval: false, stages: [] });
  await expect(running!.flush()).resolves.toBeUndefined();
  await running!.shutdown();
  process.env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT = "not a url";
  running = startOtlpExport();
  expect(running).toBeDefined();
});
