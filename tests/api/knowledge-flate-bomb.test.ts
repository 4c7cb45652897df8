import { afterAll, beforeAll, expect, it } from "vitest";
import { startTestApp, type TestApp, type TestUser } from "../helpers/app";
import { describeEachBackend } from "../helpers/db";
import { makeFlateBombPdf } from "../helpers/documents";
import { getDocument, uploadOk, waitForStatus } from "../helpers/knowledge";

/** The model's own delay before its first token: what a turn costs when nothing else gets in the way. */
const MODEL_TTFT_MS = 200;

describeEachBackend("a flate-bomb PDF upload", (backend) => {
  let app: TestApp;
  let user: TestUser;

  beforeAll(async () => {
    app = await startTestApp(backend, {}, { ingest: true });
    app.fake.defaults.ttftMs = MODEL_TTFT_MS;
    user = await app.user();
  });
  afterAll(() => app.close());

  /** Milliseconds from sending a streamed chat turn to its first token; the rest of the stream is read too. */
  async function timeToFirstToken(): Promise<number> {
    const started = performance.now();
    const response = await user.fetch("/v1/chat/completions", {
      method: "POST",
      json: { model: "fake-model", stream: true, messages: [{ role: "user", content: "Are you still there?" }] },
    });
    expect(response.status).toBe(200);
    const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
    let seen = "";
    let firstToken: number | undefined;
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      seen += value;
      if (firstToken === undefined && /"content":"[^"]/.test(seen)) firstToken = performance.now() - started;
    }
    expect(firstToken).toBeDefined();
    return firstToken!;
  }

  it("fails with the reason while chat turns keep their time to first token", async () => {
    const baseline = [await timeToFirstToken(), await timeToFirstToken(), await timeToFirstToken()].sort((a, b) => a - b)[1]!;

    const bomb = makeFlateBombPdf();
    const [document] = await uploadOk(user, [{ name: "bomb.pdf", bytes: bomb }]);
    // Turns one after another until the document is done with (at least three).
    const during: number[] = [];
    for (;;) {
      during.push(await timeToFirstToken());
      const { status } = await getDocument(user, document!.id);
      if (during.length >= 3 && (status === "failed" || status === "indexed")) break;
      if (during.length > 200) throw new Error(`the document is still ${status}`);
    }
    // Reading the bomb on the server's own thread held every turn for ~20 s; in the extraction thread none waits for it.
    expect(Math.max(...during)).toBeLessThanOrEqual(3 * baseline);

    const failed = await waitForStatus(user, document!.id, ["failed"]);
    expect(failed.error).toBe(
      "This PDF's page 2 expands to more than 32 MB of content; Parley stops at 32 MB per page. Split or re-save the PDF.",
    );
  }, 180_000);
});
