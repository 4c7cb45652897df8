import { CHAT_URL } from "./pages/chat-page";
import { FIRST_USER } from "./support/env";
import { expect, screenshot, test } from "./support/fixtures";

// Runs first (project "first-user"): the first account of a fresh install becomes admin.
test("the first account signed up through the form becomes admin", async ({ page, auth, chat, sidebar }) => {
  await auth.gotoSignUp();
  await auth.fill(FIRST_USER.email, FIRST_USER.password);
  await screenshot(page, "auth-sign-up-form");
  await auth.submitButton("sign-up").click();

  await expect(page).toHaveURL(CHAT_URL);
  await expect(chat.composer).toBeVisible();
  await expect(chat.log).toContainText("Ask anything to start a conversation.");
  await expect(sidebar.nav).toContainText(FIRST_USER.email);
  await expect(sidebar.nav.getByText("admin", { exact: true })).toBeVisible();
  await expect(sidebar.list).toContainText("No chats yet.");
  await screenshot(page, "auth-first-user-home");
});
