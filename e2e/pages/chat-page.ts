import { expect, type Locator, type Page } from "@playwright/test";

export const CHAT_URL = /\/chat\/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export type AnswerStatus = "streaming" | "complete" | "partial" | "error";

/** `/` (new chat) and `/chat/<id>`: transcript, composer, per-message actions (components/chat/*). */
export class ChatPage {
  readonly composer: Locator;
  readonly sendButton: Locator;
  readonly stopButton: Locator;
  readonly log: Locator;
  readonly userMessages: Locator;
  /** The text bubbles of the user's messages (without their Edit button). */
  readonly userTexts: Locator;
  readonly answers: Locator;
  readonly alert: Locator;
  readonly retryButton: Locator;
  readonly regenerateButton: Locator;
  readonly title: Locator;
  readonly openChatsButton: Locator;

  constructor(readonly page: Page) {
    this.composer = page.getByRole("textbox", { name: "Message", exact: true });
    this.sendButton = page.getByRole("button", { name: "Send", exact: true });
    this.stopButton = page.getByRole("button", { name: "Stop", exact: true });
    this.log = page.getByRole("log", { name: "Conversation" });
    this.userMessages = this.log.locator('[data-role="user"]');
    this.userTexts = this.userMessages.locator(":scope > div");
    this.answers = this.log.locator('[data-role="assistant"]');
    this.alert = this.log.getByRole("alert");
    this.retryButton = this.alert.getByRole("button", { name: "Retry" });
    this.regenerateButton = this.log.getByRole("button", { name: "Regenerate" });
    this.title = page.locator("header h1");
    this.openChatsButton = page.getByRole("button", { name: "Open chats" });
  }

  async gotoNew() {
    await this.page.goto("/");
    await expect(this.composer).toBeVisible();
  }

  async send(text: string) {
    await this.composer.fill(text);
    await this.sendButton.click();
  }

  answer(index: number): Locator {
    return this.answers.nth(index);
  }

  get lastAnswer(): Locator {
    return this.answers.last();
  }

  /** The text of an answer as shown (Markdown and the not-yet-settled tail), without its action row. */
  answerBody(answer: Locator = this.lastAnswer): Locator {
    return answer.locator(":scope > div").first();
  }

  async answerText(answer: Locator = this.lastAnswer): Promise<string> {
    return (await this.answerBody(answer).innerText()).trim();
  }

  async expectAnswerStatus(status: AnswerStatus, answer: Locator = this.lastAnswer, timeout?: number) {
    await expect(answer).toHaveAttribute("data-status", status, { timeout });
  }

  /** Sends a message and waits until its answer is complete. */
  async ask(text: string, { timeout = 15_000 } = {}) {
    const before = await this.answers.count();
    await this.send(text);
    await expect(this.answers).toHaveCount(before + 1, { timeout });
    await this.expectAnswerStatus("complete", this.answers.nth(before), timeout);
  }

  /** Waits for the URL a new chat gets once its first answer ends; returns the chat id. */
  async chatId(): Promise<string> {
    await expect(this.page).toHaveURL(CHAT_URL);
    return new URL(this.page.url()).pathname.split("/").at(-1) ?? "";
  }

  editButton(userIndex: number): Locator {
    return this.userMessages.nth(userIndex).getByRole("button", { name: "Edit", exact: true });
  }

  async editMessage(userIndex: number, text: string) {
    await this.editButton(userIndex).click();
    const box = this.log.getByRole("textbox", { name: "Edit message" });
    await expect(box).toBeVisible();
    await box.fill(text);
    await this.log.getByRole("button", { name: "Save and send" }).click();
  }
}
