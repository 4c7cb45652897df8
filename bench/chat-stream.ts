/**
 * npm run bench: what Parley's streaming path adds on top of the model server.
 *
 * Starts the fake model server (its own process, 50 tokens/s per stream),
 * builds and starts Parley against it, then for 1 and 50 concurrent streams
 * measures per request the time from the model server's first token to
 * Parley's first text-delta event (the relay overhead), tokens relayed per
 * second, RSS and cores used. Streams carry 200-token answers (4 s), a typical
 * short answer; a last row uses 1-second answers, so 50 streams mean 50 new
 * turns a second: that row measures per-request cost, not streaming. The
 * baseline, measured in the same run, is the same client reading the model
 * server directly.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { randomUUID } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { fmt, percentile } from "./stats";

const ROOT = process.cwd();
const FAKE_PORT = 4510;
const APP_PORT = 4511;
const TPS = 50;
const DATA_DIR = path.join(ROOT, ".tmp/bench-data");
const env = { ...process.env, NEXT_TELEMETRY_DISABLED: "1", NEXT_DIST_DIR: ".next-bench", DATA_DIR, DATABASE_URL: process.env.BENCH_DATABASE_URL ?? "" };
const now = () => performance.timeOrigin + performance.now();
const children: ChildProcess[] = [];

function start(args: string[], extraEnv: Record<string, string> = {}): ChildProcess {
  // Own process group: `next start` forks a next-server child that must be stopped too.
  const child = spawn(process.execPath, args, { env: { ...env, ...extraEnv }, stdio: ["ignore", "pipe", "pipe"], detached: true });
  child.stderr?.on("data", (d) => process.env.BENCH_VERBOSE && process.stderr.write(d));
  children.push(child);
  return child;
}

async function waitForUrl(url: string, timeoutMs = 60_000) {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    try {
      if ((await fetch(url)).status < 500) return;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${url} did not come up`);
}

/** The process and all its descendants. */
function processTree(pid: number): number[] {
  let children: number[] = [];
  try {
    children = fs
      .readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8")
      .trim()
      .split(/\s+/)
      .filter(Boolean)
      .map(Number);
  } catch {
    // gone
  }
  return [pid, ...children.flatMap(processTree)];
}

function rssMb(pid: number): number {
  let kb = 0;
  for (const p of processTree(pid)) {
    try {
      kb += Number(/VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${p}/status`, "utf8"))?.[1] ?? 0);
    } catch {
      // gone
    }
  }
  return kb / 1024;
}

/** CPU seconds a process tree has used (user + system), from /proc. */
function cpuSeconds(pid: number): number {
  let ticks = 0;
  for (const p of processTree(pid)) {
    try {
      const fields = fs.readFileSync(`/proc/${p}/stat`, "utf8").split(") ")[1]!.split(" ");
      ticks += Number(fields[11]) + Number(fields[12]);
    } catch {
      // gone
    }
  }
  return ticks / 100;
}

interface Sample {
  match: string;
  firstDeltaAt: number;
  endedAt: number;
}

/** Reads a streamed response to its end; returns when `marker` first appeared. */
async function firstSeen(response: Response, marker: string): Promise<number> {
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  let seenAt = 0;
  for (let next = await reader.read(); !next.done; next = await reader.read()) {
    if (!seenAt && decoder.decode(next.value, { stream: true }).includes(marker)) seenAt = now();
  }
  return seenAt;
}

/** One stream through Parley; returns when it ends. */
async function streamParley(key: string, match: string, chatId: string = randomUUID()): Promise<Sample> {
  const response = await fetch(`http://127.0.0.1:${APP_PORT}/api/chat`, {
    method: "POST",
    headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
    body: JSON.stringify({ id: chatId, message: match }),
  });
  const firstDeltaAt = await firstSeen(response, '"text-delta"');
  return { match, firstDeltaAt, endedAt: now() };
}

/** The same stream read straight from the model server: the baseline (time to its first token). */
async function streamDirect(match: string): Promise<number> {
  const started = now();
  const response = await fetch(`http://127.0.0.1:${FAKE_PORT}/v1/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ model: "fake-model", stream: true, messages: [{ role: "user", content: match }] }),
  });
  return (await firstSeen(response, '"content":"b')) - started;
}

async function upstreamFirstTokens(): Promise<Map<string, number>> {
  const requests = (await (await fetch(`http://127.0.0.1:${FAKE_PORT}/__fake/requests`)).json()) as Array<{
    body: { messages: Array<{ role: string; content: string }> };
    firstTokenAt?: number;
  }>;
  const map = new Map<string, number>();
  for (const r of requests) {
    const user = r.body.messages.filter((m) => m.role === "user").at(-1)?.content;
    if (user && r.firstTokenAt) map.set(user, r.firstTokenAt);
  }
  return map;
}

/**
 * `concurrency` clients, each running `perClient` streams back to back. Their
 * starts are spread over one stream's duration, so every new request meets
 * about `concurrency - 1` streams already in flight (steady state, not a burst).
 */
async function round(key: string, concurrency: number, tokens: number, perClient: number, appPid: number, fakePid: number) {
  const reply = Array.from({ length: tokens }, (_, i) => `b${i}`).join(" ");
  await fetch(`http://127.0.0.1:${FAKE_PORT}/__fake/defaults`, { method: "POST", body: JSON.stringify({ reply }) });
  const samples: Sample[] = [];
  const cpuBefore = [cpuSeconds(appPid), cpuSeconds(fakePid), process.cpuUsage()] as const;
  let peakRss = rssMb(appPid);
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, rssMb(appPid))), 100);
  const streamMs = (tokens / TPS) * 1000;
  const started = now();
  await Promise.all(
    Array.from({ length: concurrency }, async (_, client) => {
      await new Promise((r) => setTimeout(r, (client * streamMs) / concurrency));
      const chatId = randomUUID(); // each client keeps one conversation going
      for (let i = 0; i < perClient; i++) {
        samples.push(await streamParley(key, `bench t${tokens} c${concurrency} k${client} s${i}`, chatId));
      }
    }),
  );
  const elapsed = (now() - started) / 1000;
  clearInterval(sampler);
  const clientCpu = process.cpuUsage(cpuBefore[2]);
  const cpu = {
    parley: (cpuSeconds(appPid) - cpuBefore[0]) / elapsed,
    modelServer: (cpuSeconds(fakePid) - cpuBefore[1]) / elapsed,
    client: (clientCpu.user + clientCpu.system) / 1e6 / elapsed,
  };
  const upstream = await upstreamFirstTokens();
  const added = samples.map((s) => s.firstDeltaAt - upstream.get(s.match)!).filter(Number.isFinite);
  return { added, tokensPerSec: (samples.length * tokens) / elapsed, peakRss, n: samples.length, cpu };
}

async function main() {
  fs.rmSync(DATA_DIR, { recursive: true, force: true });
  console.log("Building Parley into .next-bench (about a minute)…");
  const build = spawnSync(process.execPath, ["node_modules/next/dist/bin/next", "build"], { env, stdio: "ignore" });
  if (build.status !== 0) throw new Error("next build failed");

  const admin = (...args: string[]) =>
    spawnSync(process.execPath, ["node_modules/.bin/tsx", "scripts/admin.ts", ...args], { env, encoding: "utf8" });
  admin("create-user", "--email", "bench@example.com", "--password", "bench-password");
  const key = admin("create-api-key", "--email", "bench@example.com").stdout.trim();
  if (!key.startsWith("pk_")) throw new Error("could not create an API key");

  const reply = Array.from({ length: 50 }, (_, i) => `b${i}`).join(" ");
  const fake = start(["--import", "tsx", "tests/fake-llm/cli.ts", "--port", String(FAKE_PORT), "--tps", String(TPS)]);
  await waitForUrl(`http://127.0.0.1:${FAKE_PORT}/v1/models`);
  await fetch(`http://127.0.0.1:${FAKE_PORT}/__fake/defaults`, { method: "POST", body: JSON.stringify({ reply }) });
  await fetch(`http://127.0.0.1:${FAKE_PORT}/__fake/rules`, {
    method: "POST",
    body: JSON.stringify({ match: "short title", anywhere: true, reply: "Bench", tokensPerSec: 0 }),
  });
  const app = start(["node_modules/next/dist/bin/next", "start", "-p", String(APP_PORT)], {
    LLM_BASE_URL: `http://127.0.0.1:${FAKE_PORT}/v1`,
    LLM_MODEL: "fake-model",
  });
  await waitForUrl(`http://127.0.0.1:${APP_PORT}/api/health`);
  const idleRss = rssMb(app.pid!);

  // Warm-up: JIT, database pages, connection pools.
  await Promise.all(Array.from({ length: 5 }, (_, i) => streamParley(key, `warm ${i}`)));

  const baseline = [];
  for (let i = 0; i < 10; i++) baseline.push(await streamDirect(`direct ${i}`));

  console.log(`\nParley streaming benchmark: answers streamed at ${TPS} tokens/s by the fake model server`);
  console.log(`baseline, client reading the model server directly: first token p50 ${fmt(percentile(baseline, 50))}, p95 ${fmt(percentile(baseline, 95))}`);
  console.log(`Parley RSS idle: ${idleRss.toFixed(0)} MB\n`);
  console.log("streams | answer | new turns/s | samples | added TTFT p50 | added TTFT p95 | tokens relayed/s | peak RSS");
  const goals: string[] = [];
  // [streams, answer tokens, streams per client, what the row is for]
  const rounds = [
    [1, 200, 10, ""],
    [50, 200, 4, "goal"], // 50 concurrent streams of typical short answers (4 s each)
    [50, 50, 4, "stress"], // 1-second answers: 50 new turns a second, a request-rate stress
  ] as const;
  for (const [concurrency, tokens, perClient, role] of rounds) {
    const r = await round(key, concurrency, tokens, perClient, app.pid!, fake.pid!);
    const p50 = percentile(r.added, 50);
    const p95 = percentile(r.added, 95);
    const turnsPerSec = concurrency / (tokens / TPS);
    console.log(
      `${String(concurrency).padStart(7)} | ${String(tokens).padStart(6)} | ${turnsPerSec.toFixed(1).padStart(11)} | ${String(r.n).padStart(7)} | ${fmt(p50).padStart(14)} | ${fmt(p95).padStart(14)} | ${r.tokensPerSec.toFixed(0).padStart(16)} | ${r.peakRss.toFixed(0)} MB` +
        ` | cores used: Parley ${r.cpu.parley.toFixed(2)}, model server ${r.cpu.modelServer.toFixed(2)}, client ${r.cpu.client.toFixed(2)}`,
    );
    if (role) {
      const label = role === "goal" ? "50 streams" : "50 streams of 1-second answers (stress, not the goal's case)";
      goals.push(`${label}: added TTFT p50 ${fmt(p50)} (goal <= 5 ms): ${p50 <= 5 ? "met" : "MISSED"}; p95 ${fmt(p95)} (goal <= 15 ms): ${p95 <= 15 ? "met" : "MISSED"}`);
    }
  }
  console.log(`\n${goals.join("\n")}`);
}

main()
  .catch((error) => {
    console.error(error);
    process.exitCode = 1;
  })
  .finally(() => {
    for (const child of children) {
      try {
        process.kill(-child.pid!, "SIGTERM");
      } catch {
        // already gone
      }
    }
  });
