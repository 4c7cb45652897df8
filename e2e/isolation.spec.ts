import { ChatPage } from "./pages/chat-page";
import { Sidebar } from "./pages/sidebar";
import { createAccount, expect, screenshot, signInWithApi, test } from "./support/fixtures";
import { uniqueId } from "./support/fake-llm";

test("another user can neither open nor see someone else's chat", async ({ page, browser, account: _, chat }) => {
  const marker = uniqueId("private");
  await chat.gotoNew();
  await chat.ask(`${marker} my secret plans`);
  const chatId = await chat.chatId();

  const otherContext = await browser.newContext();
  try {
    const otherPage = await otherContext.newPage();
    await signInWithApi(otherPage.request, await createAccount(otherPage.request, "other"));

    const response = await otherPage.goto(`/chat/${chatId}`);
    expect(response?.status()).toBe(404);
    await expect(otherPage.getByText("This chat does not exist, or it is not yours.")).toBeVisible();
    await expect(otherPage.getByText(marker)).toHaveCount(0);
    await screenshot(otherPage, "isolation-not-found");

    await otherPage.goto("/");
    const otherSidebar = new Sidebar(otherPage);
    await expect(otherSidebar.list).toContainText("No chats yet.");
    await expect(otherSidebar.link(chatId)).toHaveCount(0);
    await otherSidebar.search.fill(marker);
    await expect(otherSidebar.list).toContainText("No chat matches.");
    await screenshot(otherPage, "isolation-other-sidebar");

    // The API refuses too: reading, renaming, deleting, or posting into the chat.
    expect((await otherPage.request.get(`/api/chats/${chatId}`)).status()).toBe(404);
    expect((await otherPage.request.get(`/api/chats/${chatId}/messages`)).status()).toBe(404);
    expect((await otherPage.request.patch(`/api/chats/${chatId}`, { data: { title: "mine now" } })).status()).toBe(404);
    expect((await otherPage.request.delete(`/api/chats/${chatId}`)).status()).toBe(404);
    const post = await otherPage.request.post("/api/chat", {
      data: { id: chatId, message: `${marker} let me in`, trigger: "submit-message" },
    });
    expect(post.status()).toBe(404);
  } finally {
    await otherContext.close();
  }

  // The owner's chat is untouched.
  await page.reload();
  const owner = new ChatPage(page);
  await expect(owner.userTexts).toHaveText([`${marker} my secret plans`]);
  await expect(owner.answers).toHaveCount(1);
});
