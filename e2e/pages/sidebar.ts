import { expect, type Locator, type Page } from "@playwright/test";

/** The "Chats" navigation (components/chat/sidebar.tsx). */
export class Sidebar {
  readonly nav: Locator;
  readonly search: Locator;
  readonly list: Locator;
  readonly links: Locator;
  readonly newChat: Locator;
  readonly settings: Locator;
  readonly signOutButton: Locator;

  constructor(readonly page: Page) {
    this.nav = page.getByRole("navigation", { name: "Chats" });
    this.search = this.nav.getByRole("searchbox", { name: "Search chats" });
    this.list = this.nav.getByRole("list", { name: "Your chats" });
    this.links = this.list.getByRole("link");
    this.newChat = this.nav.getByRole("link", { name: "New chat", exact: true });
    this.settings = this.nav.getByRole("link", { name: "Settings", exact: true });
    this.signOutButton = this.nav.getByRole("button", { name: "Sign out" });
  }

  /** The list row of a chat, found by its link (titles change when the generated title arrives). */
  row(chatId: string): Locator {
    return this.list.getByRole("listitem").filter({ has: this.page.locator(`a[href="/chat/${chatId}"]`) });
  }

  link(chatId: string): Locator {
    return this.list.locator(`a[href="/chat/${chatId}"]`);
  }

  linkByTitle(title: string): Locator {
    return this.list.getByRole("link", { name: title, exact: true });
  }

  async rename(chatId: string, title: string) {
    // The row's buttons appear on hover or keyboard focus, as for a mouse user.
    await this.row(chatId).hover();
    await this.row(chatId).getByRole("button", { name: /^Rename / }).click();
    const input = this.list.getByRole("textbox", { name: "Chat title" });
    await input.fill(title);
    await this.list.getByRole("button", { name: "Save", exact: true }).click();
    await expect(input).toBeHidden();
  }

  /** Deletes a chat, accepting the confirmation dialog. */
  async delete(chatId: string) {
    this.page.once("dialog", (dialog) => void dialog.accept());
    await this.row(chatId).hover();
    await this.row(chatId).getByRole("button", { name: /^Delete / }).click();
  }

  async signOut() {
    await this.signOutButton.click();
    await expect(this.page).toHaveURL(/\/sign-in$/);
  }
}
