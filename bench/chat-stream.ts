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
 *
 * The Parley rows run twice: with the in-process answer stream store
 * (REDIS_URL unset) and with Redis Streams (BENCH_REDIS_URL, default the
 * machine's redis://127.0.0.1:6379; skipped when unreachable). Each variant
 * also measures resumes: 50 clients opening `GET /api/chat/:id/stream` at the
 * same instant on 50 answers still streaming, timed from the request to the
 * first replayed event, beside 50 simultaneous `GET /api/chats` (a trivial
 * authenticated GET) in the same conditions; then the same resumes once the
 * answers have ended.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { randomUUID } from "node:crypto";
import fs from "node:fs";
import net from "node:net";
import path from "node:path";
import { fmt, percentile } from "./stats";

const ROOT = process.cwd();
const FAKE_PORT = 4510;
const APP_PORT = 4511;
const TPS = 50;
const REDIS_URL = process.env.BENCH_REDIS_URL ?? "redis://127.0.0.1:6379";
/** Resume goal on a 2-core machine: first replayed event within this at p95, 50 concurrent resumes. */
const RESUME_P95_GOAL_MS = 50;
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

/** Reads a streamed response to its end; returns when `marker` first appeared (also told to `onSeen` at once). */
async function firstSeen(response: Response, marker: string, onSeen?: () => void): Promise<number> {
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  let seenAt = 0;
  for (let next = await reader.read(); !next.done; next = await reader.read()) {
    if (!seenAt && decoder.decode(next.value, { stream: true }).includes(marker)) {
      seenAt = now();
      onSeen?.();
    }
  }
  return seenAt;
}

/** One stream through Parley; returns when it ends. */
async function streamParley(key: string, match: string, chatId: string = randomUUID(), onFirstDelta?: () => void): Promise<Sample> {
  const response = await fetch(`http://127.0.0.1:${APP_PORT}/api/chat`, {
    method: "POST",
    headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
    body: JSON.stringify({ id: chatId, message: match }),
  });
  const firstDeltaAt = await firstSeen(response, '"text-delta"', onFirstDelta);
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
async function round(tag: string, key: string, concurrency: number, tokens: number, perClient: number, appPid: number, fakePid: number) {
  await setReplyTokens(tokens);
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
        samples.push(await streamParley(key, `${tag} bench t${tokens} c${concurrency} k${client} s${i}`, chatId));
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


async function setReplyTokens(tokens: number) {
  const reply = Array.from({ length: tokens }, (_, i) => `b${i}`).join(" ");
  await fetch(`http://127.0.0.1:${FAKE_PORT}/__fake/defaults`, { method: "POST", body: JSON.stringify({ reply }) });
}

let reportedFailure = false;

/**
 * A GET's time from request start to the first body bytes holding `marker`
 * (NaN unless 200); the rest of the body goes on being read to its end in the
 * background, as a resuming client follows the answer.
 */
async function timeToFirst(url: string, key: string, marker: string): Promise<number> {
  const started = now();
  const response = await fetch(url, { headers: { authorization: `Bearer ${key}` } });
  if (response.status !== 200) {
    const body = (await response.text()).slice(0, 200);
    if (!reportedFailure) console.log(`GET ${new URL(url).pathname}: ${response.status} ${body}`);
    reportedFailure = true;
    return Number.NaN;
  }
  return new Promise((resolve) => {
    firstSeen(response, marker, () => resolve(now() - started))
      .then(() => resolve(Number.NaN)) // ended without the marker (no-op once resolved)
      .catch(() => resolve(Number.NaN));
  });
}

/** `count` simultaneous GETs (all opened in the same tick); their times to the first `marker`. */
function burst(count: number, url: (i: number) => string, key: string, marker: string): Promise<number[]> {
  return Promise.all(Array.from({ length: count }, (_, i) => timeToFirst(url(i), key, marker)));
}

const resumeUrl = (chatId: string) => `http://127.0.0.1:${APP_PORT}/api/chat/${chatId}/stream`;

/**
 * `concurrency` answers of `tokens` tokens start in their own chats; once all
 * are streaming (plus a little, so there is something to replay): 10 GET
 * /api/chats (the baseline) and 10 resumes one at a time, then a burst of
 * `concurrency` simultaneous GET /api/chats, then one of `concurrency`
 * simultaneous resumes, each followed to the answer's end. After the answers
 * have ended and been stored, a burst of resumes of the ended answers.
 */
async function resumeRound(tag: string, key: string, concurrency: number, tokens: number) {
  await setReplyTokens(tokens);
  const chatIds = Array.from({ length: concurrency }, () => randomUUID());
  let streaming = 0;
  let allStreaming!: () => void;
  const allStarted = new Promise<void>((resolve) => (allStreaming = resolve));
  const answers = Promise.all(
    chatIds.map((chatId, i) => streamParley(key, `${tag} resume ${chatId} ${i}`, chatId, () => ++streaming === concurrency && allStreaming())),
  );
  await allStarted;
  await new Promise((r) => setTimeout(r, 500));
  // One at a time first (what a single request costs under this load), then the bursts.
  const single = { baseline: [] as number[], live: [] as number[] };
  for (let i = 0; i < 10; i++) {
    single.baseline.push(await timeToFirst(`http://127.0.0.1:${APP_PORT}/api/chats?limit=20`, key, "{"));
    single.live.push(await timeToFirst(resumeUrl(chatIds[i]!), key, "data:"));
  }
  const baseline = await burst(concurrency, () => `http://127.0.0.1:${APP_PORT}/api/chats?limit=20`, key, "{");
  await new Promise((r) => setTimeout(r, 100));
  const live = await burst(concurrency, (i) => resumeUrl(chatIds[i]!), key, "data:");
  await answers;
  await new Promise((r) => setTimeout(r, 300)); // the answers' rows are written as they end
  const ended = await burst(concurrency, (i) => resumeUrl(chatIds[i]!), key, "data:");
  return { baseline, live, ended, single };
}

/** Whether something answers PING at the Redis URL (a raw RESP round trip, no client library). */
function redisReachable(url: string): Promise<boolean> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = net.createConnection({ host: hostname, port: Number(port || 6379) });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1_000, () => done(false));
    socket.on("error", () => done(false));
    socket.on("connect", () => socket.write("PING\r\n"));
    socket.on("data", (d) => done(d.toString().startsWith("+PONG")));
  });
}

async function stop(child: ChildProcess, port: number) {
  const exited = new Promise((r) => child.once("exit", r));
  try {
    process.kill(-child.pid!, "SIGTERM");
  } catch {
    return;
  }
  await exited;
  // next-server, the child `next start` forks, may outlive it briefly: wait for the port to close.
  for (let i = 0; i < 100; i++) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = net.createConnection({ host: "127.0.0.1", port }, () => (socket.destroy(), resolve(true)));
      socket.on("error", () => resolve(false));
    });
    if (!open) return;
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The Parley rows for one answer stream store: a fresh `next start` with `storeEnv`. */
async function parleyRows(variant: string, storeEnv: Record<string, string>, key: string, fakePid: number) {
  const app = start(["node_modules/next/dist/bin/next", "start", "-p", String(APP_PORT)], {
    LLM_BASE_URL: `http://127.0.0.1:${FAKE_PORT}/v1`,
    LLM_MODEL: "fake-model",
    ...storeEnv,
  });
  await waitForUrl(`http://127.0.0.1:${APP_PORT}/api/health`);
  const idleRss = rssMb(app.pid!);
  const tag = variant.split(" ")[0]!;

  // Warm-up: JIT, database pages, connection pools, the resume route.
  await setReplyTokens(50);
  const warm = Array.from({ length: 5 }, () => randomUUID());
  await Promise.all(warm.map((chatId, i) => streamParley(key, `${tag} warm ${i}`, chatId)));
  await Promise.all(warm.map((chatId) => timeToFirst(resumeUrl(chatId), key, "data:")));

  console.log(`\n== answer stream store: ${variant} ==`);
  console.log(`Parley RSS idle: ${idleRss.toFixed(0)} MB`);
  console.log("streams | answer | new turns/s | samples | added TTFT p50 | added TTFT p95 | tokens relayed/s | peak RSS");
  const goals: string[] = [];
  // [streams, answer tokens, streams per client, what the row is for]
  const rounds = [
    [1, 200, 10, ""],
    [50, 200, 4, "goal"], // 50 concurrent streams of typical short answers (4 s each)
    [50, 50, 4, "stress"], // 1-second answers: 50 new turns a second, a request-rate stress
  ] as const;
  for (const [concurrency, tokens, perClient, role] of rounds) {
    const r = await round(tag, key, concurrency, tokens, perClient, app.pid!, fakePid);
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

  // Resumes: 3 rounds of 50 answers (200 tokens, 4 s) each.
  const RESUMES = 50;
  const resumes = { baseline: [] as number[], live: [] as number[], ended: [] as number[], singleBaseline: [] as number[], singleLive: [] as number[] };
  for (let i = 0; i < 3; i++) {
    const r = await resumeRound(`${tag} r${i}`, key, RESUMES, 200);
    resumes.baseline.push(...r.baseline);
    resumes.live.push(...r.live);
    resumes.ended.push(...r.ended);
    resumes.singleBaseline.push(...r.single.baseline);
    resumes.singleLive.push(...r.single.live);
  }
  const failed = (xs: number[]) => xs.filter((x) => !Number.isFinite(x)).length;
  const ok = (xs: number[]) => xs.filter(Number.isFinite);
  const row = (label: string, xs: number[]) =>
    console.log(`${label.padEnd(58)} | ${String(ok(xs).length).padStart(7)} | ${fmt(percentile(ok(xs), 50)).padStart(9)} | ${fmt(percentile(ok(xs), 95)).padStart(9)}${failed(xs) ? ` | ${failed(xs)} not 200` : ""}`);
  console.log(`\nResumes while ${RESUMES} answers stream (3 rounds): request start to first body byte with the first event`);
  console.log(`${"request".padEnd(58)} | samples |       p50 |       p95`);
  row("one at a time: baseline GET /api/chats", resumes.singleBaseline);
  row("one at a time: resume of a LIVE answer", resumes.singleLive);
  row(`${RESUMES} at once: baseline GET /api/chats`, resumes.baseline);
  row(`${RESUMES} at once: GET /api/chat/:id/stream of LIVE answers`, resumes.live);
  row(`${RESUMES} at once: same resumes once the answers ENDED`, resumes.ended);
  const liveP95 = percentile(ok(resumes.live), 95);
  goals.push(
    `${RESUMES} concurrent resumes of live answers: first replayed event p95 ${fmt(liveP95)} (goal <= ${RESUME_P95_GOAL_MS} ms): ${liveP95 <= RESUME_P95_GOAL_MS && failed(resumes.live) === 0 ? "met" : "MISSED"}`,
  );
  console.log(`\n${goals.map((g) => `[${tag}] ${g}`).join("\n")}`);
  await stop(app, APP_PORT);
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

  const fake = start(["--import", "tsx", "tests/fake-llm/cli.ts", "--port", String(FAKE_PORT), "--tps", String(TPS)]);
  await waitForUrl(`http://127.0.0.1:${FAKE_PORT}/v1/models`);
  await setReplyTokens(50);
  await fetch(`http://127.0.0.1:${FAKE_PORT}/__fake/rules`, {
    method: "POST",
    body: JSON.stringify({ match: "short title", anywhere: true, reply: "Bench", tokensPerSec: 0 }),
  });

  for (let i = 0; i < 3; i++) await streamDirect(`direct warm ${i}`);
  const baseline = [];
  for (let i = 0; i < 10; i++) baseline.push(await streamDirect(`direct ${i}`));

  console.log(`\nParley streaming benchmark: answers streamed at ${TPS} tokens/s by the fake model server`);
  console.log(`baseline, client reading the model server directly: first token p50 ${fmt(percentile(baseline, 50))}, p95 ${fmt(percentile(baseline, 95))}`);

  await parleyRows("in-process (REDIS_URL unset)", { REDIS_URL: "" }, key, fake.pid!);
  if (await redisReachable(REDIS_URL)) await parleyRows(`Redis (REDIS_URL=${REDIS_URL})`, { REDIS_URL }, key, fake.pid!);
  else console.log(`\n== answer stream store: Redis ==\nskipped: no Redis at ${REDIS_URL}`);
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
