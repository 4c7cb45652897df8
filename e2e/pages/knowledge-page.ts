import { expect, type Locator, type Page } from "@playwright/test";

/** A file as the tests hand it to the page: name, type and bytes. */
export interface UploadFile {
  name: string;
  mimeType: string;
  buffer: Buffer;
}

export type DocumentStatusLabel = "Queued" | "Extracting" | "Chunking" | "Embedding" | "Indexed" | "Failed" | "Cancelled";

/** What the page showed for a document at some moment (recorded in the page by `recordStates`). */
export interface SeenState {
  name: string;
  status: string;
  progress: number | null;
}

/** /knowledge: retrieval status, collections, uploads and the live document list (components/knowledge/*). */
export class KnowledgePage {
  readonly heading: Locator;
  readonly retrievalMode: Locator;
  readonly collection: Locator;
  readonly dropZone: Locator;
  readonly uploadButton: Locator;
  readonly fileInput: Locator;
  readonly uploadStatus: Locator;
  readonly rejections: Locator;
  readonly list: Locator;
  readonly rows: Locator;
  readonly dialog: Locator;

  constructor(readonly page: Page) {
    this.heading = page.getByRole("main").getByRole("heading", { name: "Knowledge", level: 1 });
    this.retrievalMode = page.getByTestId("retrieval-mode");
    this.collection = page.getByRole("combobox", { name: "Collection" });
    this.dropZone = page.getByTestId("drop-zone");
    this.uploadButton = page.getByRole("button", { name: "Upload files", exact: true });
    this.fileInput = page.getByLabel("Choose files to upload");
    this.uploadStatus = page.getByRole("status").filter({ hasText: /Uploading|added/ });
    this.rejections = page.getByRole("alert").filter({ hasText: /not added/ });
    this.list = page.getByRole("list", { name: "Documents", exact: true });
    this.rows = this.list.getByTestId("document-row");
    this.dialog = page.getByRole("dialog");
  }

  async goto() {
    await this.page.goto("/knowledge");
    await expect(this.heading).toBeVisible();
    // The live feed's snapshot has arrived once the list stops loading.
    await expect(this.list).not.toContainText("Loading documents");
  }

  row(name: string): Locator {
    return this.rows.filter({ has: this.page.getByText(name, { exact: true }) });
  }

  status(name: string): Locator {
    return this.row(name).getByTestId("document-status");
  }

  progress(name: string): Locator {
    return this.row(name).getByRole("progressbar");
  }

  async expectStatus(name: string, status: DocumentStatusLabel, timeout = 30_000) {
    await expect(this.status(name)).toHaveText(status, { timeout });
  }

  /**
   * Drops files on the drop zone as a browser does: a DataTransfer holding
   * real File objects, with dragenter/dragover/drop events.
   */
  async drop(files: UploadFile[]) {
    const payload = files.map((file) => ({ name: file.name, type: file.mimeType, base64: file.buffer.toString("base64") }));
    await this.dropZone.evaluate((zone, items) => {
      const transfer = new DataTransfer();
      for (const item of items) {
        const bytes = Uint8Array.from(atob(item.base64), (c) => c.charCodeAt(0));
        transfer.items.add(new File([bytes], item.name, { type: item.type }));
      }
      for (const type of ["dragenter", "dragover", "drop"]) {
        zone.dispatchEvent(new DragEvent(type, { bubbles: true, cancelable: true, dataTransfer: transfer }));
      }
    }, payload);
  }

  /** Chooses files with the "Upload files" picker. */
  async pick(files: UploadFile[]) {
    const chooser = this.page.waitForEvent("filechooser");
    await this.uploadButton.click();
    await (await chooser).setFiles(files);
  }

  /**
   * Records in the page, with a MutationObserver, every status and progress
   * value each document row shows: polling from the test would miss the
   * short-lived ones. Read them back with `seenStates`.
   */
  async recordStates() {
    await this.page.evaluate(() => {
      const seen: Array<{ name: string; status: string; progress: number | null }> = [];
      (window as unknown as { __knowledgeSeen: typeof seen }).__knowledgeSeen = seen;
      const sample = () => {
        for (const row of document.querySelectorAll<HTMLElement>('[data-testid="document-row"]')) {
          const name = row.querySelector("[title]")?.getAttribute("title") ?? "";
          const status = row.querySelector('[data-testid="document-status"]')?.textContent ?? "";
          const bar = row.querySelector('[role="progressbar"]');
          const progress = bar ? Number(bar.getAttribute("aria-valuenow")) : null;
          const last = seen.findLast((s) => s.name === name);
          if (!last || last.status !== status || last.progress !== progress) seen.push({ name, status, progress });
        }
      };
      new MutationObserver(sample).observe(document.body, { subtree: true, childList: true, attributes: true, characterData: true });
    });
  }

  async seenStates(name: string): Promise<SeenState[]> {
    const all = await this.page.evaluate(() => (window as unknown as { __knowledgeSeen: SeenState[] }).__knowledgeSeen);
    return all.filter((state) => state.name === name);
  }

  async cancel(name: string) {
    await this.row(name).getByRole("button", { name: `Cancel ${name}`, exact: true }).click();
  }

  /** Deletes a document, accepting the confirmation. */
  async delete(name: string) {
    this.page.once("dialog", (dialog) => void dialog.accept());
    await this.row(name).getByRole("button", { name: `Delete ${name}`, exact: true }).click();
    await expect(this.row(name)).toHaveCount(0);
  }

  async preview(name: string) {
    await this.row(name).getByRole("button", { name: `Preview ${name}`, exact: true }).click();
    await expect(this.dialog).toBeVisible();
  }

  async closeDialog() {
    await this.dialog.getByRole("button", { name: "Close", exact: true }).click();
    await expect(this.dialog).toBeHidden();
  }
}

/** An answer's citations: `[n]` markers, source cards and the passage dialog (components/chat/sources.tsx). */
export class AnswerSources {
  readonly cards: Locator;
  readonly notFound: Locator;
  readonly dialog: Locator;

  constructor(
    readonly page: Page,
    readonly answer: Locator,
  ) {
    this.cards = answer.getByRole("list", { name: "Sources" }).getByRole("button");
    this.notFound = answer.getByText("Not found in your knowledge base", { exact: true });
    this.dialog = page.getByRole("dialog");
  }

  marker(n: number): Locator {
    return this.answer.getByRole("button", { name: `Source ${n}`, exact: true });
  }

  card(n: number): Locator {
    return this.answer.getByRole("button", { name: new RegExp(`^Source ${n}: `) });
  }

  /** The passage shown in context, highlighted. */
  get passage(): Locator {
    return this.dialog.locator("mark");
  }
}
