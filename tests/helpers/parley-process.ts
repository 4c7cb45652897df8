import { spawn } from "node:child_process";
import { waitFor } from "./app";

/**
 * A real Parley process (tests/helpers/chat-server-child.ts) serving the
 * app's routes over HTTP, for tests of several instances and of crashes. One
 * process (node --import tsx, no wrapper), so SIGKILL hits the server itself,
 * as a crash would.
 */
export interface ParleyProcess {
  url: string;
  pid: number;
  /** Everything it printed so far (stdout and stderr, the last 20 kB), for failure messages. */
  output(): string;
  /** Fetches a path with the given API key as a bearer token. */
  fetch(key: string, path: string, init?: RequestInit & { json?: unknown }): Promise<Response>;
  /** kill -9, and wait until it is gone. */
  kill(): Promise<void>;
}

/** A process that has loaded its code but opened nothing yet; `start` lets it open the database and serve. */
export interface PreparedParleyProcess {
  start(): Promise<ParleyProcess>;
  kill(): Promise<void>;
}

export async function startParleyProcess(env: Record<string, string>, options: { timeoutMs?: number } = {}): Promise<ParleyProcess> {
  return (await prepareParleyProcess(env, options)).start();
}

export async function prepareParleyProcess(env: Record<string, string>, { timeoutMs = 60_000 } = {}): Promise<PreparedParleyProcess> {
  const child = spawn(process.execPath, ["--import", "tsx", "tests/helpers/chat-server-child.ts"], {
    env: { ...process.env, EMBEDDINGS_DOWNLOAD: "0", NEXT_TELEMETRY_DISABLED: "1", ...env, WAIT_FOR_GO: "1" },
    stdio: ["pipe", "pipe", "pipe"],
  });
  let output = "";
  // Bounded: a long run's logs must not grow without limit; the end says what went wrong.
  const keep = (chunk: Buffer) => (output = (output + chunk.toString()).slice(-20_000));
  child.stdout.on("data", keep);
  child.stderr.on("data", keep);
  child.stdin.on("error", () => {}); // A child that died: its exit says so.
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  let gone = false;
  void exited.then(() => (gone = true));
  const kill = async () => {
    if (!gone) child.kill("SIGKILL");
    await exited;
  };
  const printed = (pattern: RegExp) =>
    waitFor(async () => {
      if (gone) throw new Error("the Parley process exited");
      return pattern.exec(output) ?? undefined;
    }, timeoutMs).catch(async (error: Error) => {
      await kill();
      throw new Error(`${error.message}; its output:\n${output}`);
    });
  await printed(/^LOADED$/m);
  return {
    kill,
    async start() {
      child.stdin.end("go\n");
      const [, url] = await printed(/LISTENING (\S+)/);
      return {
        url: url!,
        pid: child.pid!,
        output: () => output,
        fetch: (key, path, { json, headers, ...init } = {}) =>
          fetch(url + path, {
            ...init,
            headers: { authorization: `Bearer ${key}`, ...(json === undefined ? {} : { "content-type": "application/json" }), ...headers },
            body: json === undefined ? init.body : JSON.stringify(json),
          }),
        kill,
      };
    },
  };
}
