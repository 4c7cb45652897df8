import { randomUUID } from "node:crypto";
import fs from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApiKey } from "../../lib/auth/api-keys";
import { createUser } from "../../lib/auth/users";
import { openDatabase, useDatabase } from "../../lib/db/client";
import { startFakeLlm, type FakeLlm } from "../fake-llm/server";
import { streamedText } from "../helpers/app";
import { copyPgliteTemplate } from "../helpers/db";
import { prepareParleyProcess, type ParleyProcess, type PreparedParleyProcess } from "../helpers/parley-process";
import { followSse } from "../helpers/sse-follow";

/**
 * Crash after crash on the embedded database: twenty rounds of start Parley,
 * send a message, let some of the answer stream, kill -9, start again. After
 * every restart the database opens, no message the server acknowledged (its
 * answer had started streaming) is lost, and no answer is left "streaming":
 * each is complete, partial or interrupted, with at least the text it had
 * checkpointed before the kill.
 *
 * "At least the checkpointed text", without reading the database (one process
 * per PGlite folder: the child holds it) and without guessing at timing: the
 * client sees only text the generation already has, and a checkpoint starts
 * every CHECKPOINT_MS. So text the client had received SAFE_CHECKPOINTS
 * intervals before the kill was in a checkpoint that started at least
 * SAFE_CHECKPOINTS - 1 intervals before it; that margin lets a PGlite write
 * be slow on a busy machine without making the test flaky. Two kinds of
 * rounds use it:
 * - quiet: the model stalls after QUIET_TOKENS (connection open, no more
 *   text), the kill comes SAFE_CHECKPOINTS intervals after the last text: the
 *   stored text must be exactly what the client saw;
 * - streaming: the model keeps sending while the process is killed: the stored
 *   text must be a prefix of the reply holding all that the client had seen
 *   SAFE_CHECKPOINTS intervals before the kill.
 * Each round kills at another moment of the checkpoint cycle (a write may be
 * under way).
 */

const ROUNDS = 20;
const CHECKPOINT_MS = 200;
const SAFE_CHECKPOINTS = 5;
const QUIET_TOKENS = 15;
const REPLY = Array.from({ length: 400 }, (_, i) => `x${i + 1}`).join(" ");
const QUIET_TEXT = REPLY.split(" ").slice(0, QUIET_TOKENS).join(" ");

interface Round {
  chatId: string;
  clientId: string;
  text: string;
  quiet: boolean;
  /** Quiet rounds: the stored text. Streaming rounds: what it at least holds. */
  kept: string;
}

interface ShownMessage {
  id: string;
  role: string;
  parts: Array<{ type: string; text?: string }>;
  metadata: { status: string };
}

const textOf = (message: ShownMessage) => message.parts.find((p) => p.type === "text")?.text ?? "";
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("answers survive kill -9 of the server, round after round, on the embedded database", () => {
  let dir: string;
  let key: string;
  let fake: FakeLlm;
  let server: ParleyProcess | undefined;
  let next: Promise<PreparedParleyProcess> | undefined;
  const prepare = () =>
    prepareParleyProcess({
      DATA_DIR: dir,
      DATABASE_URL: "",
      REDIS_URL: "",
      LLM_BASE_URL: fake.url,
      LLM_MODEL: "fake-model",
      ANSWER_CHECKPOINT_MS: String(CHECKPOINT_MS),
    });

  beforeAll(async () => {
    dir = await copyPgliteTemplate("crash-rounds");
    const db = await openDatabase({ url: "", dataDir: dir });
    useDatabase(db);
    const user = await createUser({ email: `crash-rounds-${Date.now()}@example.com`, password: "correct horse battery" });
    key = (await createApiKey(user.id, "test")).key;
    useDatabase(undefined);
    await db.close(); // One process per data folder: from here on only the children open it.
    fake = await startFakeLlm();
    fake.rules.push({ match: "short title", anywhere: true, reply: "A title" });
    fake.rules.push({ match: "quietmarker", reply: REPLY, tokensPerSec: 40, stallAfterTokens: QUIET_TOKENS });
    fake.rules.push({ match: "streammarker", reply: REPLY, tokensPerSec: 20 });
  });

  afterAll(async () => {
    await server?.kill();
    await (await next?.catch(() => undefined))?.kill();
    await fake?.close();
    if (dir) await fs.rm(dir, { recursive: true, force: true });
  });

  /** How the user now sees a round's chat, once the restarted server has recovered it. */
  async function expectKept(round: Round, where: string) {
    let messages: ShownMessage[] = [];
    // The embedded database's recovery runs as the server starts: wait (bounded) until it has.
    for (let tries = 0; tries < 200; tries++) {
      const response = await server!.fetch(key, `/api/chats/${round.chatId}/messages`);
      expect(response.status, where).toBe(200);
      messages = ((await response.json()) as { messages: ShownMessage[] }).messages;
      if (messages.at(-1)?.metadata.status !== "streaming") break;
      await sleep(50);
    }
    expect(messages.map((m) => m.role), `${where}: the acknowledged message and one answer`).toEqual(["user", "assistant"]);
    const [user, answer] = messages as [ShownMessage, ShownMessage];
    expect(user.id, where).toBe(round.clientId);
    expect(textOf(user), where).toBe(round.text);
    expect(["complete", "partial", "interrupted"], `${where}: status ${answer.metadata.status}`).toContain(answer.metadata.status);
    if (round.quiet) expect(textOf(answer), `${where}: all the text written before the kill`).toBe(round.kept);
    else {
      expect(REPLY.startsWith(textOf(answer)), `${where}: a prefix of the reply`).toBe(true);
      expect(textOf(answer).startsWith(round.kept), `${where}: at least the checkpointed text`).toBe(true);
    }
  }

  it(`${ROUNDS} rounds of send, stream, kill -9, restart lose nothing acknowledged`, async () => {
    const rounds: Round[] = [];
    next = prepare();
    for (let index = 0; index <= ROUNDS; index++) {
      // The next process loads its code while this round runs; it opens the database only after the kill.
      server = await (await next!).start();
      next = index < ROUNDS ? prepare() : undefined;
      expect(server.output(), "the embedded database reopens").toContain("pglite");
      // After each restart the round just killed; after the last one, every round again.
      const check = index === ROUNDS ? rounds : rounds.slice(-1);
      for (const round of check) await expectKept(round, `round ${rounds.indexOf(round) + 1} after restart ${index}`);
      if (index === ROUNDS) break;

      const quiet = index % 2 === 0;
      const round: Round = { chatId: randomUUID(), clientId: randomUUID(), text: `${quiet ? "quietmarker" : "streammarker"} round ${index + 1}`, quiet, kept: "" };
      const response = await server.fetch(key, "/api/chat", {
        method: "POST",
        json: { id: round.chatId, message: { id: round.clientId, role: "user", parts: [{ type: "text", text: round.text }] } },
      });
      expect(response.status).toBe(200);
      const stream = followSse(response);
      await stream.waitFor((events) => events.length > 0);
      rounds.push(round); // acknowledged: its answer started streaming
      const jitter = (index * 37) % CHECKPOINT_MS;
      if (quiet) {
        await stream.waitFor((events) => streamedText(events) === QUIET_TEXT);
        await sleep(SAFE_CHECKPOINTS * CHECKPOINT_MS + jitter);
        round.kept = QUIET_TEXT;
      } else {
        await stream.waitFor((events) => streamedText(events).includes("x3 "));
        await sleep(SAFE_CHECKPOINTS * CHECKPOINT_MS + 300 + jitter);
      }
      const killedAt = Date.now();
      await server.kill();
      if (!quiet) round.kept = streamedText(stream.events.filter((_, i) => stream.times[i]! <= killedAt - SAFE_CHECKPOINTS * CHECKPOINT_MS));
      expect(await stream.ended, "the client's stream breaks with the server").toBe(false);
      expect(streamedText(stream.events).length, "the answer was still streaming when killed").toBeLessThan(REPLY.length);
    }
  }, 170_000);
});
