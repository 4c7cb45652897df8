import { CHAT_URL } from "./pages/chat-page";
import { AuthPage } from "./pages/auth-page";
import { FIRST_USER } from "./support/env";
import { createAccount, expect, screenshot, test } from "./support/fixtures";

test.describe("accounts", () => {
  test("signed-out visitors are sent to the sign-in page", async ({ page, auth }) => {
    await page.goto("/");
    await expect(page).toHaveURL(/\/sign-in$/);
    await expect(auth.heading).toHaveText("Sign in");
    await screenshot(page, "auth-redirect-to-sign-in");

    for (const path of ["/settings", "/chat/00000000-0000-4000-8000-000000000000"]) {
      await page.goto(path);
      await expect(page, `${path} needs a session`).toHaveURL(/\/sign-in$/);
    }
    const api = await page.request.get("/api/chats");
    expect(api.status()).toBe(401);
  });

  test("the first user signs out and signs back in", async ({ page, auth, sidebar }) => {
    await auth.signIn(FIRST_USER.email, FIRST_USER.password);
    await expect(sidebar.nav).toContainText(FIRST_USER.email);
    await expect(sidebar.nav.getByText("admin", { exact: true })).toBeVisible();

    await sidebar.signOut();
    await expect(auth.heading).toHaveText("Sign in");
    await screenshot(page, "auth-signed-out");
    // The session is really gone, not just the page.
    await page.goto("/");
    await expect(page).toHaveURL(/\/sign-in$/);

    await auth.signIn(FIRST_USER.email, FIRST_USER.password);
    await expect(sidebar.nav).toContainText(FIRST_USER.email);
    await screenshot(page, "auth-signed-in");
  });

  test("a wrong password shows an error and keeps the visitor signed out", async ({ page, auth }) => {
    await auth.gotoSignIn();
    await auth.submit("sign-in", FIRST_USER.email, "not-the-password");
    await expect(auth.error).toHaveText("Wrong email or password.");
    await expect(page).toHaveURL(/\/sign-in$/);
    await expect(auth.submitButton("sign-in")).toBeEnabled();
    await screenshot(page, "auth-wrong-password");

    await page.goto("/");
    await expect(page).toHaveURL(/\/sign-in$/);
  });

  test("a later account is a normal user, and an e-mail cannot be taken twice", async ({ page, browser }) => {
    const auth = new AuthPage(page);
    await auth.gotoSignUp();
    await auth.submit("sign-up", FIRST_USER.email, "another-password-1");
    await expect(auth.error).toHaveText("An account with that email already exists.");
    await screenshot(page, "auth-email-taken");

    const email = `second-${Date.now()}@parley.test`;
    await auth.submit("sign-up", email, "second-user-pass");
    await expect(page).toHaveURL(CHAT_URL);
    const nav = page.getByRole("navigation", { name: "Chats" });
    await expect(nav).toContainText(email);
    await expect(nav.getByText("admin", { exact: true })).toHaveCount(0);

    // A new account made over the API can sign in through the form too.
    const context = await browser.newContext();
    const account = await createAccount(context.request, "api");
    await new AuthPage(await context.newPage()).signIn(account.email, account.password);
    await context.close();
  });
});
