import { expect, type Locator, type Page } from "@playwright/test";

/** /settings: sessions, password (components/settings/sessions.tsx, change-password.tsx) and API keys (api-keys.tsx). */
export class SettingsPage {
  readonly keyName: Locator;
  readonly createButton: Locator;
  readonly newKeyNotice: Locator;
  readonly newKey: Locator;
  readonly keyList: Locator;
  readonly sessionList: Locator;
  readonly sessionRows: Locator;
  readonly thisDevice: Locator;
  readonly signOutOthers: Locator;
  readonly sessionsNotice: Locator;
  readonly passwordSection: Locator;

  constructor(readonly page: Page) {
    this.keyName = page.getByRole("textbox", { name: "Key name" });
    this.createButton = page.getByRole("button", { name: "Create key" });
    this.newKeyNotice = page.getByRole("status").filter({ hasText: "Copy this key now" });
    this.newKey = page.getByTestId("new-api-key");
    this.keyList = page.getByRole("list", { name: "Your API keys" });
    this.sessionList = page.getByRole("list", { name: "Your sessions" });
    this.sessionRows = this.sessionList.getByRole("listitem");
    this.thisDevice = this.sessionRows.filter({ hasText: "This device" });
    this.signOutOthers = page.getByRole("button", { name: "Sign out all other sessions" });
    this.sessionsNotice = page.getByRole("region", { name: "Sessions" }).getByRole("status");
    this.passwordSection = page.getByRole("region", { name: "Change password" });
  }

  async goto() {
    await this.page.goto("/settings");
    await expect(this.page.getByRole("main").getByRole("heading", { name: "Settings", level: 1 })).toBeVisible();
  }

  keyRow(name: string): Locator {
    return this.keyList.getByRole("listitem").filter({ hasText: name });
  }

  /** Creates a key and returns it as shown (once). */
  async createKey(name: string): Promise<string> {
    await this.keyName.fill(name);
    await this.createButton.click();
    await expect(this.newKey).toBeVisible();
    return (await this.newKey.innerText()).trim();
  }

  async revoke(name: string) {
    this.page.once("dialog", (dialog) => void dialog.accept());
    await this.keyRow(name).getByRole("button", { name: "Revoke" }).click();
  }

  /** Submits the "Change password" form; does not wait for the outcome. */
  async changePassword(current: string, next: string) {
    await this.passwordSection.getByLabel("Current password").fill(current);
    await this.passwordSection.getByLabel("New password").fill(next);
    await this.passwordSection.getByRole("button", { name: "Change password" }).click();
  }
}
