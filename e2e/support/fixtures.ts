import fs from "node:fs";
import path from "node:path";
import { test as base, expect, type APIRequestContext, type Page } from "@playwright/test";
import { AuthPage } from "../pages/auth-page";
import { ChatPage } from "../pages/chat-page";
import { KnowledgePage } from "../pages/knowledge-page";
import { SettingsPage } from "../pages/settings-page";
import { Sidebar } from "../pages/sidebar";
import { SCREENSHOT_DIR } from "./env";
import { uniqueId } from "./fake-llm";

export interface Account {
  email: string;
  password: string;
}

/** Creates an account over the API (POST /api/sign-up); sign-up through the form is covered by the auth specs. */
export async function createAccount(request: APIRequestContext, prefix = "user"): Promise<Account> {
  const account = { email: `${uniqueId(prefix)}@parley.test`, password: "correct-horse-battery" };
  const response = await request.post("/api/sign-up", { data: account });
  expect(response.status(), await response.text()).toBe(201);
  return account;
}

/**
 * Signs a browser context in through Auth.js's credentials endpoint (the same
 * call the sign-in form makes); `request` must be the context's own
 * (`page.request`) so the session cookie lands in the browser.
 */
export async function signInWithApi(request: APIRequestContext, account: Account) {
  const { csrfToken } = (await (await request.get("/api/auth/csrf")).json()) as { csrfToken: string };
  const response = await request.post("/api/auth/callback/credentials", {
    form: { csrfToken, email: account.email, password: account.password, callbackUrl: "/" },
    maxRedirects: 0,
  });
  const location = response.headers()["location"] ?? "";
  expect(location, "sign-in should not redirect to an error").not.toContain("error");
  const session = (await (await request.get("/api/auth/session")).json()) as { user?: { email?: string } } | null;
  expect(session?.user?.email).toBe(account.email);
}

/** Saves a screenshot as e2e/screenshots/<name>.png (the folder is git-ignored). */
export async function screenshot(page: Page, name: string, options: { fullPage?: boolean } = {}) {
  fs.mkdirSync(SCREENSHOT_DIR, { recursive: true });
  await page.screenshot({ path: path.join(SCREENSHOT_DIR, `${name}.png`), fullPage: options.fullPage ?? false });
}

interface Fixtures {
  /** A fresh account for this test, signed in in `page`'s context. */
  account: Account;
  chat: ChatPage;
  sidebar: Sidebar;
  auth: AuthPage;
  settings: SettingsPage;
  knowledge: KnowledgePage;
}

export const test = base.extend<Fixtures>({
  account: async ({ page }, use) => {
    const account = await createAccount(page.request);
    await signInWithApi(page.request, account);
    await use(account);
  },
  chat: async ({ page }, use) => use(new ChatPage(page)),
  sidebar: async ({ page }, use) => use(new Sidebar(page)),
  auth: async ({ page }, use) => use(new AuthPage(page)),
  settings: async ({ page }, use) => use(new SettingsPage(page)),
  knowledge: async ({ page }, use) => use(new KnowledgePage(page)),
});

export { expect };
