import { makeLongPdf, makePdf } from "../tests/helpers/documents";
import { ChatPage } from "./pages/chat-page";
import { AnswerSources, KnowledgePage, type UploadFile } from "./pages/knowledge-page";
import { FIRST_USER } from "./support/env";
import { fakeLlm, uniqueId } from "./support/fake-llm";
import { createAccount, expect, screenshot, signInWithApi, test } from "./support/fixtures";

/** A Markdown file whose Fresnel section carries `marker`, so only this test's question finds it. */
function lighthouses(marker: string): UploadFile {
  const text = `# Lighthouses

## The Fresnel lens

The Fresnel lens was invented by Augustin-Jean Fresnel in 1822 (archive note ${marker}). Its rings of prisms let a small lamp be seen from more than twenty miles away.

## Keepers

Keepers trimmed the wicks every four hours through the night, which is why they were called wickies.
`;
  return { name: "lighthouses.md", mimeType: "text/markdown", buffer: Buffer.from(text) };
}

const PUMP_MANUAL: UploadFile = {
  name: "pump-manual.pdf",
  mimeType: "application/pdf",
  buffer: Buffer.from(
    makePdf([
      "Pump manual. Page one is about centrifugal pumps and their seals.",
      "Page two explains the pressure valves in detail, and how to bleed them.",
    ]),
  ),
};

/** Named like a PDF, but a PNG image: the server judges by content and refuses it. */
const FAKE_PDF: UploadFile = {
  name: "scan.pdf",
  mimeType: "application/pdf",
  buffer: Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 1, 2, 3, 4]),
};

test.describe("knowledge base", () => {
  test("dropped and picked files are indexed with live progress; a bad one says why", async ({ page, account: _, knowledge }) => {
    test.setTimeout(90_000);
    // Slow embeddings keep each document in "Embedding" long enough to see its bar mid-way.
    await fakeLlm.defaults({ embeddingsDelayMs: 1_500 });
    try {
      await knowledge.goto();
      await expect(knowledge.retrievalMode).toHaveText("Hybrid search (keywords and meaning)");
      await expect(knowledge.collection).toHaveValue(/.+/);
      await expect(knowledge.list).toContainText("No documents yet.");
      await screenshot(page, "knowledge-empty");

      await knowledge.recordStates();
      await knowledge.drop([PUMP_MANUAL, FAKE_PDF]);
      await expect(knowledge.uploadStatus).toHaveText("1 file added: indexing starts now.");
      await expect(knowledge.rejections).toContainText("scan.pdf");
      await expect(knowledge.rejections).toContainText("looks like a PNG image");
      await screenshot(page, "knowledge-rejected");
      await knowledge.pick([lighthouses(uniqueId("note"))]);
      await expect(knowledge.rejections).toBeHidden();

      // Mid-way: the bar shows overall progress (part of the way), fed by the live feed only.
      await expect(knowledge.status("lighthouses.md")).toHaveText("Embedding");
      const bar = knowledge.progress("lighthouses.md");
      await expect(bar).toHaveAttribute("aria-valuenow", /^[1-9]\d?$/);
      await expect(bar).toHaveAttribute("aria-valuetext", /^Embedding, \d+%$/);
      await screenshot(page, "knowledge-upload-progress");

      await knowledge.expectStatus("pump-manual.pdf", "Indexed");
      await knowledge.expectStatus("lighthouses.md", "Indexed");
      await expect(knowledge.rows.getByRole("progressbar")).toHaveCount(0);
      await expect(knowledge.row("pump-manual.pdf")).toContainText("PDF · ");
      await expect(knowledge.row("pump-manual.pdf")).toContainText("2 pages");
      await expect(knowledge.row("lighthouses.md")).toContainText(/MARKDOWN · .* · \d+ chunks?/);

      for (const name of ["pump-manual.pdf", "lighthouses.md"]) {
        const seen = await knowledge.seenStates(name);
        const statuses = [...new Set(seen.map((s) => s.status))];
        expect(statuses.at(-1), `${name}: ${JSON.stringify(seen)}`).toBe("Indexed");
        expect(statuses, `${name} showed a state before Indexed`).toEqual(
          expect.arrayContaining([expect.stringMatching(/^(Queued|Extracting|Chunking|Embedding)$/)]),
        );
        const values = seen.flatMap((s) => (s.progress === null ? [] : [s.progress]));
        expect(values, `${name}: the bar only moves forward`).toEqual([...values].sort((a, b) => a - b));
        expect(values.some((v) => v > 0 && v < 100), `${name}: progress seen part-way: ${values.join(",")}`).toBe(true);
      }
      await screenshot(page, "knowledge-indexed");

      await knowledge.preview("pump-manual.pdf");
      await expect(knowledge.dialog.getByRole("heading", { name: "pump-manual.pdf" })).toBeVisible();
      await expect(knowledge.dialog.getByRole("region", { name: "Extracted text" })).toContainText("pressure valves in detail");
      const chunks = knowledge.dialog.getByRole("list", { name: "Chunks" }).getByRole("listitem");
      await expect(chunks.first()).toContainText("pages 1–2");
      await screenshot(page, "knowledge-preview");
      await knowledge.closeDialog();

      await knowledge.preview("lighthouses.md");
      await expect(knowledge.dialog.getByRole("list", { name: "Chunks" })).toContainText("Lighthouses › The Fresnel lens");
      await page.keyboard.press("Escape");
      await expect(knowledge.dialog).toBeHidden();

      // Phone width: rows, badges and actions still fit.
      await page.setViewportSize({ width: 390, height: 844 });
      await expect(knowledge.uploadButton).toBeVisible();
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
      expect(overflow, "no horizontal scrolling at phone width").toBeLessThanOrEqual(0);
      await screenshot(page, "knowledge-phone");
      await knowledge.preview("pump-manual.pdf");
      await screenshot(page, "knowledge-preview-phone");
    } finally {
      await fakeLlm.defaults({ embeddingsDelayMs: 0 });
    }
  });

  test("answers cite the documents; a deleted document and another user's answers show no source", async ({
    page,
    browser,
    account: _,
    knowledge,
    chat,
  }) => {
    test.setTimeout(120_000);
    const marker = uniqueId("kb");
    const question = `${marker} Who invented the Fresnel lens?`;
    // The model cites passage 1; the server keeps the marker only when passage 1 exists.
    await fakeLlm.rule({ match: marker, reply: "Augustin-Jean Fresnel invented it in 1822 [1]." });

    await knowledge.goto();
    await knowledge.pick([lighthouses(marker), PUMP_MANUAL]);
    await knowledge.expectStatus("lighthouses.md", "Indexed");
    await knowledge.expectStatus("pump-manual.pdf", "Indexed");

    await chat.gotoNew();
    await chat.ask(question);
    const cited = new AnswerSources(page, chat.lastAnswer);
    await expect(cited.cards).toHaveCount(1);
    await expect(cited.card(1)).toContainText("lighthouses.md");
    await expect(cited.card(1)).toContainText("Lighthouses › The Fresnel lens");
    await expect(cited.card(1)).toContainText("invented by Augustin-Jean Fresnel");
    await expect(cited.marker(1)).toBeVisible();
    await expect(chat.answerBody()).not.toContainText("[1]");
    await expect(cited.notFound).toHaveCount(0);
    const chatId = await chat.chatId();
    await screenshot(page, "citation-answer");

    await cited.marker(1).click();
    await expect(cited.dialog.getByRole("heading", { name: "lighthouses.md" })).toBeVisible();
    await expect(cited.dialog).toContainText("Source 1 · Lighthouses › The Fresnel lens");
    await expect(cited.passage).toContainText("invented by Augustin-Jean Fresnel in 1822");
    // In context: the text around the passage is shown too.
    await expect(cited.dialog).toContainText("wickies");
    await screenshot(page, "citation-passage");
    await page.keyboard.press("Escape");
    await expect(cited.dialog).toBeHidden();
    await expect(cited.marker(1)).toBeFocused();

    // At phone width the marker, the card and the dialog still fit.
    await page.setViewportSize({ width: 390, height: 844 });
    await screenshot(page, "citation-answer-phone");
    await cited.marker(1).click();
    await expect(cited.passage).toBeVisible();
    await screenshot(page, "citation-passage-phone");
    await page.keyboard.press("Escape");
    await page.setViewportSize({ width: 1280, height: 720 });

    // The stored answer shows the same source after a reload; its card opens the passage too.
    await page.reload();
    const stored = new AnswerSources(page, chat.lastAnswer);
    await expect(stored.card(1)).toContainText("lighthouses.md");
    await stored.card(1).click();
    await expect(stored.passage).toContainText("invented by Augustin-Jean Fresnel in 1822");
    await stored.dialog.getByRole("button", { name: "Close" }).click();

    // Delete the document: the same question finds nothing, and no source card appears.
    await knowledge.goto();
    await knowledge.delete("lighthouses.md");
    await expect(knowledge.row("pump-manual.pdf")).toHaveCount(1);
    await chat.gotoNew();
    await chat.ask(question);
    const after = new AnswerSources(page, chat.lastAnswer);
    await expect(chat.answerBody()).toHaveText("Augustin-Jean Fresnel invented it in 1822.");
    await expect(after.cards).toHaveCount(0);
    await expect(after.marker(1)).toHaveCount(0);
    await expect(after.notFound).toBeVisible();
    await screenshot(page, "citation-after-delete");

    // The old answer still names its source, but the passage is gone with the document.
    await page.goto(`/chat/${chatId}`);
    const old = new AnswerSources(page, chat.lastAnswer);
    await old.card(1).click();
    await expect(old.dialog.getByRole("alert")).toContainText("cannot be shown");
    await old.dialog.getByRole("button", { name: "Close" }).click();

    // Another user sees none of these documents, and their answer cites nothing.
    const otherContext = await browser.newContext();
    try {
      const otherPage = await otherContext.newPage();
      await signInWithApi(otherPage.request, await createAccount(otherPage.request, "reader"));
      const theirs = new KnowledgePage(otherPage);
      await theirs.goto();
      await expect(theirs.list).toContainText("No documents yet.");
      await expect(otherPage.getByText("pump-manual.pdf")).toHaveCount(0);
      await screenshot(otherPage, "knowledge-other-user");

      const theirChat = new ChatPage(otherPage);
      await theirChat.gotoNew();
      await theirChat.ask(question);
      const none = new AnswerSources(otherPage, theirChat.lastAnswer);
      // No documents, nothing given to the model: its "[1]" cites nothing and is dropped.
      await expect(theirChat.answerBody()).toHaveText("Augustin-Jean Fresnel invented it in 1822.");
      await expect(none.cards).toHaveCount(0);
      await expect(none.marker(1)).toHaveCount(0);
      // Nothing was searched (no documents), so there is no "not found" note either.
      await expect(none.notFound).toHaveCount(0);
      await screenshot(otherPage, "citation-other-user");
    } finally {
      await otherContext.close();
    }
  });

  test("an ingestion can be cancelled, and re-indexed later", async ({ page, account: _, knowledge }) => {
    test.setTimeout(90_000);
    const name = "long-report.pdf";
    await fakeLlm.defaults({ embeddingsDelayMs: 3_000 });
    try {
      await knowledge.goto();
      await knowledge.pick([{ name, mimeType: "application/pdf", buffer: Buffer.from(makeLongPdf(30)) }]);
      const cancel = knowledge.row(name).getByRole("button", { name: `Cancel ${name}` });
      // Cancel a running ingestion (each embedding batch takes 3 s), not just a queued one.
      await knowledge.expectStatus(name, "Embedding", 20_000);
      await expect(cancel).toBeVisible();
      await expect(knowledge.progress(name)).toHaveAttribute("aria-valuenow", /^[1-9]\d?$/);
      await screenshot(page, "knowledge-cancel-before");

      await knowledge.cancel(name);
      await knowledge.expectStatus(name, "Cancelled", 10_000);
      await expect(knowledge.progress(name)).toHaveCount(0);
      await expect(cancel).toHaveCount(0);
      await expect(knowledge.row(name).getByRole("button", { name: `Re-index ${name}` })).toBeVisible();
      await screenshot(page, "knowledge-cancelled");

      // It stays cancelled: the worker's next step sees the cancel and stops.
      await page.waitForTimeout(3_500);
      await page.reload();
      await knowledge.expectStatus(name, "Cancelled", 5_000);
    } finally {
      await fakeLlm.defaults({ embeddingsDelayMs: 0 });
    }

    await knowledge.row(name).getByRole("button", { name: `Re-index ${name}` }).click();
    await knowledge.expectStatus(name, "Indexed", 60_000);
    await expect(knowledge.row(name)).toContainText("30 pages");

    // A long document's preview pages through its chunks.
    await knowledge.preview(name);
    const chunkPages = knowledge.dialog.getByRole("navigation", { name: "Chunks pages" });
    await expect(chunkPages).toContainText(/^Chunks 1–10 of \d+/);
    await chunkPages.getByRole("button", { name: "Next chunks" }).click();
    await expect(chunkPages).toContainText(/^Chunks 11–20 of \d+/);
    await expect(knowledge.dialog.getByRole("list", { name: "Chunks" }).getByRole("listitem").first()).toContainText("#11 · page");
    await screenshot(page, "knowledge-preview-long");
  });

  test("an admin shares a collection with one user by email; that user can read but not change it", async ({ browser }) => {
    test.setTimeout(90_000);
    const collectionName = `Handbook ${uniqueId("")}`;
    const adminContext = await browser.newContext();
    const readerContext = await browser.newContext();
    try {
      const adminPage = await adminContext.newPage();
      await signInWithApi(adminPage.request, FIRST_USER);
      const readerPage = await readerContext.newPage();
      const reader = await createAccount(readerPage.request, "reader");
      await signInWithApi(readerPage.request, reader);

      const admin = new KnowledgePage(adminPage);
      await admin.goto();
      await adminPage.getByRole("button", { name: "New collection" }).click();
      await adminPage.getByRole("textbox", { name: "Collection name" }).fill(collectionName);
      await adminPage.getByRole("checkbox", { name: "Shared with other users" }).check();
      await adminPage.getByRole("button", { name: "Create collection" }).click();
      await expect(admin.collection.locator("option:checked")).toHaveText(`${collectionName} (shared)`);

      const access = adminPage.getByRole("region", { name: `Who can read ${collectionName}` });
      await expect(access.getByRole("list", { name: "People with access" })).toContainText("Only admins so far.");
      await access.getByRole("textbox", { name: "Email to grant access" }).fill(reader.email);
      await access.getByRole("button", { name: "Grant access" }).click();
      await expect(access.getByRole("list", { name: "People with access" })).toContainText(reader.email);
      await admin.pick([{ name: "holidays.txt", mimeType: "text/plain", buffer: Buffer.from("Staff get 25 days of paid leave a year.") }]);
      await admin.expectStatus("holidays.txt", "Indexed");
      await screenshot(adminPage, "knowledge-admin-shared");

      const theirs = new KnowledgePage(readerPage);
      await theirs.goto();
      await theirs.collection.selectOption({ label: `${collectionName} (shared)` });
      await expect(theirs.row("holidays.txt")).toBeVisible();
      await expect(readerPage.getByText("only an admin can add to it")).toBeVisible();
      await expect(theirs.uploadButton).toHaveCount(0);
      await expect(theirs.row("holidays.txt").getByRole("button", { name: /^Delete / })).toHaveCount(0);
      await expect(theirs.row("holidays.txt").getByRole("button", { name: "Preview holidays.txt" })).toBeVisible();
      await screenshot(readerPage, "knowledge-shared-reader");

      // Revoked: the collection is gone from the reader's list after a reload.
      await access.getByRole("button", { name: `Revoke access for ${reader.email}` }).click();
      await expect(access.getByRole("list", { name: "People with access" })).not.toContainText(reader.email);
      await theirs.goto();
      await expect(theirs.collection.locator("option", { hasText: collectionName })).toHaveCount(0);

      // The admin deletes the collection with its documents; the picker falls back to their own.
      adminPage.once("dialog", (dialog) => void dialog.accept());
      await adminPage.getByRole("button", { name: "Delete collection" }).click();
      await expect(admin.collection.locator("option", { hasText: collectionName })).toHaveCount(0);
      await expect(admin.collection.locator("option:checked")).toHaveText("My documents");
      await expect(admin.row("holidays.txt")).toHaveCount(0);
    } finally {
      await adminContext.close();
      await readerContext.close();
    }
  });

  test("lexical-only retrieval is called out with its reason", async ({ page, account: _, knowledge }) => {
    // The e2e server has an embedding model; this state is what a server without one reports.
    const reason = "Retrieval is lexical only: No embedding model is configured (EMBEDDINGS_DOWNLOAD=0 and no EMBEDDINGS_MODEL_PATH).";
    await page.route("**/api/knowledge/status", (route) =>
      route.fulfill({
        json: {
          retrieval: "lexical",
          notes: [reason],
          mode: "always",
          limits: { maxFileBytes: 50 * 1024 * 1024, maxUserBytes: 1024 ** 3, maxFilesPerUpload: 20 },
        },
      }),
    );
    await knowledge.goto();
    await expect(knowledge.retrievalMode).toHaveText("Keyword search only");
    const notes = page.getByRole("note", { name: "Retrieval notes" });
    await expect(notes).toContainText("Search by meaning is off");
    await expect(notes).toContainText(reason);
    await screenshot(page, "knowledge-lexical-only");
  });
});
