import type { BrowserContext } from "@playwright/test";
import { AuthPage } from "./pages/auth-page";
import { SettingsPage } from "./pages/settings-page";
import { Sidebar } from "./pages/sidebar";
import { APP_URL } from "./support/env";
import { createAccount, expect, screenshot, test } from "./support/fixtures";

/** The session cookie as a Cookie header value, copied out of a browser context (what a thief would keep). */
async function sessionCookie(context: BrowserContext): Promise<string> {
  const cookie = (await context.cookies()).find((c) => c.name.endsWith("authjs.session-token"));
  expect(cookie, "signed in").toBeDefined();
  return `${cookie!.name}=${cookie!.value}`;
}

test("one browser signs the other out; signing out ends the cookie even if it is replayed", async ({ browser, playwright }) => {
  const laptop = await browser.newContext();
  const phone = await browser.newContext();
  const account = await createAccount(laptop.request, "sessions");
  const laptopPage = await laptop.newPage();
  const phonePage = await phone.newPage();
  await new AuthPage(laptopPage).signIn(account.email, account.password);
  await new AuthPage(phonePage).signIn(account.email, account.password);
  const phoneCookie = await sessionCookie(phone);

  const settings = new SettingsPage(laptopPage);
  await settings.goto();
  await expect(settings.sessionRows).toHaveCount(2);
  await expect(settings.thisDevice).toHaveCount(1);
  await expect(settings.thisDevice).toContainText(/^Chrome on /);
  await expect(settings.sessionRows.first()).toContainText("last active");
  await settings.signOutOthers.scrollIntoViewIfNeeded();
  await screenshot(laptopPage, "sessions-two-browsers");

  await settings.signOutOthers.click();
  await expect(settings.sessionsNotice).toHaveText("Signed out 1 other session.");
  await expect(settings.sessionRows).toHaveCount(1);
  await expect(settings.thisDevice).toHaveCount(1);
  await expect(settings.signOutOthers).toBeDisabled();
  await screenshot(laptopPage, "sessions-others-signed-out");

  // The phone: its API calls are refused, and its next navigation in the app asks it to sign in.
  expect((await phonePage.request.get("/api/chats")).status()).toBe(401);
  expect((await phonePage.request.get("/api/keys")).status()).toBe(401);
  await new Sidebar(phonePage).settings.click();
  await expect(phonePage).toHaveURL(/\/sign-in$/);
  await expect(new AuthPage(phonePage).heading).toHaveText("Sign in");
  await screenshot(phonePage, "sessions-signed-out-elsewhere");
  // The laptop is untouched.
  expect((await laptopPage.request.get("/api/chats")).status()).toBe(200);

  // Changing the password needs the current one.
  await settings.changePassword("not the password", "a-brand-new-password");
  await expect(settings.passwordSection.getByRole("alert")).toHaveText("The current password is wrong.");
  await screenshot(laptopPage, "sessions-wrong-current-password");
  await settings.changePassword(account.password, "a-brand-new-password");
  await expect(settings.passwordSection.getByRole("status")).toHaveText("Password changed.");
  expect((await laptopPage.request.get("/api/chats")).status()).toBe(200);

  // Sign out from the menu, then replay the old cookie from outside any browser.
  const laptopCookie = await sessionCookie(laptop);
  await new Sidebar(laptopPage).signOut();
  await expect(new AuthPage(laptopPage).heading).toHaveText("Sign in");
  const replay = await playwright.request.newContext({ baseURL: APP_URL });
  for (const cookie of [laptopCookie, phoneCookie]) {
    for (const path of ["/api/chats", "/api/keys", "/api/sessions"]) {
      expect((await replay.get(path, { headers: { cookie } })).status(), `${path} with an ended session`).toBe(401);
    }
  }
  await replay.dispose();
  // And a browser that is handed the old cookie is asked to sign in.
  const thief = await browser.newContext();
  const [name, value] = laptopCookie.split(/=(.*)/s) as [string, string];
  await thief.addCookies([{ name, value, url: APP_URL }]);
  const thiefPage = await thief.newPage();
  await thiefPage.goto("/settings");
  await expect(thiefPage).toHaveURL(/\/sign-in$/);
  await thief.close();

  // The new password signs in; the old one no longer does.
  const again = new AuthPage(laptopPage);
  await again.gotoSignIn();
  await again.submit("sign-in", account.email, account.password);
  await expect(again.error).toHaveText("Wrong email or password.");
  await again.signIn(account.email, "a-brand-new-password");
  await laptop.close();
  await phone.close();
});
