import { CHAT_URL } from "./chat-page";
import { expect, type Locator, type Page } from "@playwright/test";

/** /sign-in and /sign-up (components/auth-form.tsx share one form). */
export class AuthPage {
  readonly email: Locator;
  readonly password: Locator;
  readonly error: Locator;
  readonly heading: Locator;

  constructor(readonly page: Page) {
    this.email = page.getByLabel("Email", { exact: true });
    this.password = page.getByLabel("Password", { exact: true });
    // Next's route announcer is also role="alert": look inside the form only.
    this.error = page.locator("form").getByRole("alert");
    this.heading = page.getByRole("heading", { level: 1 });
  }

  submitButton(mode: "sign-in" | "sign-up"): Locator {
    return this.page.getByRole("button", { name: mode === "sign-in" ? "Sign in" : "Create an account", exact: true });
  }

  async gotoSignIn() {
    await this.page.goto("/sign-in");
    await expect(this.heading).toHaveText("Sign in");
  }

  async gotoSignUp() {
    await this.page.goto("/sign-up");
    await expect(this.heading).toHaveText("Create an account");
  }

  async fill(email: string, password: string) {
    await this.email.fill(email);
    await this.password.fill(password);
  }

  /** Fills and submits; does not wait for the outcome (success or an error). */
  async submit(mode: "sign-in" | "sign-up", email: string, password: string) {
    await this.fill(email, password);
    await this.submitButton(mode).click();
  }

  /** Signs in and waits for the new-chat page. */
  async signIn(email: string, password: string) {
    await this.gotoSignIn();
    await this.submit("sign-in", email, password);
    await expect(this.page).toHaveURL(CHAT_URL);
    await expect(this.page.getByRole("textbox", { name: "Message", exact: true })).toBeVisible();
  }
}
