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

  /** The median of three turns with nothing else going on. */
  async function baselineTimeToFirstToken(): Promise<number> {
    return [await timeToFirstToken(), await timeToFirstToken(), await timeToFirstToken()].sort((a, b) => a - b)[1]!;
  }

  /** Uploads the bomb and runs turns one after another until the document is done with (at least three). */
  async function turnsWhileIngesting(): Promise<{ during: number[]; documentId: string }> {
    const [document] = await uploadOk(user, [{ name: "bomb.pdf", bytes: makeFlateBombPdf() }]);
    const during: number[] = [];
    for (;;) {
      during.push(await timeToFirstToken());
      const { status } = await getDocument(user, document!.id);
      if (during.length >= 3 && (status === "failed" || status === "indexed")) break;
      if (during.length > 500) throw new Error(`the document is still ${status}`);
    }
    return { during, documentId: document!.id };
  }

  it("fails with the reason while chat turns keep their time to first token", async () => {
    const baseline = await baselineTimeToFirstToken();
    const { during, documentId } = await turnsWhileIngesting();
    // Reading the bomb on the server's own thread held every turn for ~30 s; now none waits for it.
    expect(Math.max(...during)).toBeLessThanOrEqual(3 * baseline);
    const failed = await waitForStatus(user, documentId, ["failed"]);
    expect(failed.error).toBe(
      "This PDF's page 2 expands to more than 32 MB of content; Parley stops at 32 MB per page. Split or re-save the PDF.",
    );
  }, 180_000);

  it("past the size check, pdfjs chews on it in its thread until the time limit, and turns still do not wait", async () => {
    const limits = { KB_PDF_MAX_PAGE_MB: "200", KB_PDF_MAX_TOTAL_MB: "200", KB_EXTRACT_MAX_MEMORY_MB: "4096", KB_EXTRACT_TIMEOUT_SECONDS: "4" };
    Object.assign(process.env, limits);
    try {
      const baseline = await baselineTimeToFirstToken();
      const { during, documentId } = await turnsWhileIngesting();
      expect(during.length).toBeGreaterThan(3); // turns ran all the while pdfjs was busy
      expect(Math.max(...during)).toBeLessThanOrEqual(3 * baseline);
      const failed = await waitForStatus(user, documentId, ["failed"]);
      expect(failed.error).toBe(
        "Reading this document took longer than 4 s, Parley's limit, so it was stopped. Split it into smaller files or re-save it, then upload it again.",
      );
    } finally {
      for (const name of Object.keys(limits)) delete process.env[name];
    }
  }, 180_000);
});
