import { expect, type Locator, type Page } from "@playwright/test";

/** /settings: API keys (components/settings/api-keys.tsx). */
export class SettingsPage {
  readonly keyName: Locator;
  readonly createButton: Locator;
  readonly newKeyNotice: Locator;
  readonly newKey: Locator;
  readonly keyList: Locator;

  constructor(readonly page: Page) {
    this.keyName = page.getByRole("textbox", { name: "Key name" });
    this.createButton = page.getByRole("button", { name: "Create key" });
    this.newKeyNotice = page.getByRole("status").filter({ hasText: "Copy this key now" });
    this.newKey = page.getByTestId("new-api-key");
    this.keyList = page.getByRole("list", { name: "Your API keys" });
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
}
