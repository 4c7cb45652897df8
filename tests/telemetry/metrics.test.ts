import net from "node:net";
import { afterAll, beforeAll, expect, it } from "vitest";
import { GET } from "../../app/api/metrics/route";
import { createApiKey, userForApiKey } from "../../lib/auth/api-keys";
import { createUser } from "../../lib/auth/users";
import { database, useDatabase } from "../../lib/db/client";
import { stopJobs } from "../../lib/jobs/boss";
import { enqueueIngest } from "../../lib/rag/ingest/queue";
import { streamEnded, streamStarted } from "../../lib/telemetry/metrics";
import { Trace } from "../../lib/telemetry/trace";
import { flushTraces } from "../../lib/telemetry/trace-writer";
import { describeEachBackend, openTestDatabase, type TestDatabase } from "../helpers/db";

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** Prometheus' text format, one sample a line (label values here never hold quotes or commas). */
function parse(text: string): Sample[] {
  return text
    .split("\n")
    .filter((line) => line && !line.startsWith("#"))
    .map((line) => {
      const match = /^(\w+)(?:\{(.*)\})? (\S+)$/.exec(line);
      if (!match) throw new Error(`not a sample: ${line}`);
      const labels = Object.fromEntries(
        (match[2] ? match[2].split(",") : []).map((pair) => {
          const [key, value] = pair.split("=");
          return [key!, JSON.parse(value!) as string];
        }),
      );
      return { name: match[1]!, labels, value: Number(match[3]) };
    });
}

function value(samples: Sample[], name: string, labels: Record<string, string> = {}): number | undefined {
  return samples.find((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value;
}

describeEachBackend("GET /api/metrics", (backend) => {
  let test: TestDatabase;
  let adminKey: string;
  let userKey: string;

  beforeAll(async () => {
    test = await openTestDatabase(backend);
    const admin = await createUser({ email: `admin-${backend}@example.com`, password: "long enough", admin: true });
    const user = await createUser({ email: `user-${backend}@example.com`, password: "long enough" });
    adminKey = (await createApiKey(admin.id, "prometheus")).key;
    userKey = (await createApiKey(user.id, "mine")).key;
  });
  afterAll(async () => {
    await stopJobs();
    await test.close();
  });

  const scrape = (key?: string) =>
    GET(new Request("http://parley.test/api/metrics", { headers: key ? { authorization: `Bearer ${key}` } : {} }));

  const samples = async () => {
    const response = await scrape(adminKey);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^text\/plain; version=0\.0\.4/);
    return parse(await response.text());
  };

  it("is for administrators only: 401 without a key, 403 with another user's", async () => {
    expect((await scrape()).status).toBe(401);
    expect((await scrape("pk_not-a-real-key")).status).toBe(401);
    const forbidden = await scrape(userKey);
    expect(forbidden.status).toBe(403);
    expect(await forbidden.text()).not.toContain("parley_");
  });

  it("counts saved traces by kind, source and outcome, with request, stage and first-token histograms", async () => {
    const before = await samples();
    const requests = (outcome: string, list = before) =>
      value(list, "parley_requests_total", { kind: "chat", source: "api", outcome }) ?? 0;
    const stageCount = (list: Sample[]) =>
      value(list, "parley_stage_duration_seconds_count", { kind: "chat", stage: "lexical_search" }) ?? 0;
    const stageBucket = (list: Sample[], le: string) =>
      value(list, "parley_stage_duration_seconds_bucket", { kind: "chat", stage: "lexical_search", le }) ?? 0;

    for (const outcome of ["ok", "ok", "error"] as const) {
      const trace = new Trace("chat", "api");
      trace.stages.push({ name: "lexical_search", startMs: 2, durationMs: 30 }, { name: "generation", startMs: 40, durationMs: 700 });
      trace.fields.ttftMs = 45;
      trace.save(outcome);
    }
    const tts = new Trace("tts", "ui");
    tts.stages.push({ name: "tts_first_audio", startMs: 0, durationMs: 90 });
    tts.save("ok");

    const after = await samples();
    expect(requests("ok", after) - requests("ok")).toBe(2);
    expect(requests("error", after) - requests("error")).toBe(1);
    expect(value(after, "parley_requests_total", { kind: "tts", source: "ui", outcome: "ok" })).toBeGreaterThanOrEqual(1);
    // 30 ms: in the 0.05 s bucket, not the 0.025 s one.
    expect(stageCount(after) - stageCount(before)).toBe(3);
    expect(stageBucket(after, "0.05") - stageBucket(before, "0.05")).toBe(3);
    expect(stageBucket(after, "0.025") - stageBucket(before, "0.025")).toBe(0);
    expect(stageBucket(after, "+Inf")).toBe(stageCount(after));
    const ttftCount = (list: Sample[]) => value(list, "parley_time_to_first_token_seconds_count", { kind: "chat" }) ?? 0;
    expect(ttftCount(after) - ttftCount(before)).toBe(3);
    const durationCount = (list: Sample[]) => value(list, "parley_request_duration_seconds_count", { kind: "chat" }) ?? 0;
    expect(durationCount(after) - durationCount(before)).toBe(3);
    // Buckets run from 1 ms to 2 min.
    const les = after.filter((s) => s.name === "parley_request_duration_seconds_bucket" && s.labels.kind === "chat").map((s) => s.labels.le);
    expect(les[0]).toBe("0.001");
    expect(les.at(-2)).toBe("120");
    // The process's own metrics, under Parley's prefix.
    expect(value(after, "parley_process_resident_memory_bytes")).toBeGreaterThan(0);
  });

  it("reports streams in flight and the ingestion queue's depth", async () => {
    const streams = async () => value(await samples(), "parley_streams_in_flight");
    const base = (await streams()) ?? 0;
    streamStarted();
    streamStarted();
    streamEnded();
    expect(await streams()).toBe(base + 1);
    streamEnded();
    expect(await streams()).toBe(base);

    // No worker runs in this test: the jobs stay queued.
    await enqueueIngest("a-document");
    await enqueueIngest("another-document");
    const after = await samples();
    expect(value(after, "parley_ingest_queue_depth", { state: "queued" })).toBe(2);
    expect(value(after, "parley_ingest_queue_depth", { state: "active" })).toBe(0);
  });

  it("still answers when the database does not, without a queue depth", async () => {
    // A "database" that accepts connections and never answers.
    const sockets = new Set<net.Socket>();
    const silent = net.createServer((socket) => sockets.add(socket));
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
    const port = (silent.address() as net.AddressInfo).port;
    const previousUrl = process.env.DATABASE_URL;
    const admin = await userForApiKey(adminKey); // warm the key cache
    expect(admin?.role).toBe("admin");
    await flushTraces(); // the earlier tests' traces, before the database goes away
    try {
      process.env.DATABASE_URL = `postgresql://nobody@127.0.0.1:${port}/parley`;
      useDatabase(undefined);
      const started = performance.now();
      const response = await scrape(adminKey);
      // Authentication read the cached key; only the queue depth needed the database.
      expect(response.status).toBe(200);
      expect(performance.now() - started).toBeLessThan(5_000);
      const list = parse(await response.text());
      expect(list.some((s) => s.name === "parley_ingest_queue_depth")).toBe(false);
      expect(list.some((s) => s.name === "parley_requests_total")).toBe(true);
    } finally {
      const pending = database().catch(() => {});
      for (const socket of sockets) socket.destroy();
      silent.close();
      await pending; // the failed open clears the app's database; then the test's goes back
      if (previousUrl === undefined) delete process.env.DATABASE_URL;
      else process.env.DATABASE_URL = previousUrl;
      useDatabase(test.db);
    }
    expect(value(await samples(), "parley_ingest_queue_depth", { state: "queued" })).toBe(2);
  });
});
