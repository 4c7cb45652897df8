import { CHAT_URL } from "./pages/chat-page";
import { expect, screenshot, test } from "./support/fixtures";
import { uniqueId } from "./support/fake-llm";

test.describe("stored chats", () => {
  test("a reload shows the history and the sidebar lists the chat", async ({ page, account: _, chat, sidebar }) => {
    const marker = uniqueId("history");
    await chat.gotoNew();
    await expect(sidebar.list).toContainText("No chats yet.");
    await chat.ask(`${marker} first question`);
    const chatId = await chat.chatId();
    await chat.ask(`${marker} second question`);

    // The sidebar lists the chat, first with a title from the message, then the generated one.
    await expect(sidebar.link(chatId)).toBeVisible();
    await expect(sidebar.link(chatId)).toHaveText(`You said: ${marker} first question`, { timeout: 10_000 });
    await expect(sidebar.link(chatId)).toHaveAttribute("aria-current", "page");

    await page.reload();
    await expect(page).toHaveURL(new RegExp(`/chat/${chatId}$`));
    await expect(chat.userTexts).toHaveText([`${marker} first question`, `${marker} second question`]);
    await expect(chat.answers).toHaveCount(2);
    await expect(chat.answerBody(chat.answer(0))).toHaveText(`You said: ${marker} first question`);
    await expect(chat.answerBody(chat.answer(1))).toHaveText(`You said: ${marker} second question`);
    await chat.expectAnswerStatus("complete", chat.answer(0));
    await chat.expectAnswerStatus("complete", chat.answer(1));
    await expect(chat.title).toHaveText(`You said: ${marker} first question`);
    await expect(sidebar.link(chatId)).toBeVisible();
    await screenshot(page, "history-after-reload");

    // Leaving and coming back through the sidebar opens the same chat.
    await sidebar.newChat.click();
    await expect(page).toHaveURL(CHAT_URL);
    await expect(page).not.toHaveURL(new RegExp(chatId));
    await expect(chat.log).toContainText("Ask anything to start a conversation.");
    await sidebar.link(chatId).click();
    await expect(page).toHaveURL(new RegExp(`/chat/${chatId}$`));
    await expect(chat.userMessages).toHaveCount(2);
  });

  test("chats can be renamed, searched by title and deleted", async ({ page, account: _, chat, sidebar }) => {
    const alpha = uniqueId("alpha");
    const beta = uniqueId("beta");
    await chat.gotoNew();
    await chat.ask(`${alpha} about gardening`);
    const alphaId = await chat.chatId();
    // A full page load for the second chat ("New chat" right after a first chat is its own test below).
    await chat.gotoNew();
    await chat.ask(`${beta} about cooking`);
    const betaId = await chat.chatId();
    await expect(sidebar.links).toHaveCount(2);
    // Let the generated titles land before renaming (they must not overwrite a user's title anyway).
    await expect(sidebar.link(alphaId)).toHaveText(`You said: ${alpha} about gardening`, { timeout: 10_000 });
    await expect(sidebar.link(betaId)).toHaveText(`You said: ${beta} about cooking`, { timeout: 10_000 });

    // Rename
    const renamed = `Garden plans ${alpha}`;
    await sidebar.rename(alphaId, renamed);
    await expect(sidebar.link(alphaId)).toHaveText(renamed);
    await screenshot(page, "sidebar-renamed");
    await page.reload();
    await expect(sidebar.link(alphaId)).toHaveText(renamed);

    // Search by title (case-insensitive), then clear the search.
    await sidebar.search.fill("garden PLANS");
    await expect(sidebar.links).toHaveCount(1);
    await expect(sidebar.link(alphaId)).toBeVisible();
    await screenshot(page, "sidebar-search");
    await sidebar.search.fill(`no-such-title-${alpha}`);
    await expect(sidebar.list).toContainText("No chat matches.");
    await sidebar.search.fill("");
    await expect(sidebar.links).toHaveCount(2);

    // Delete the open chat: it leaves the list and the page goes to a new chat.
    await sidebar.link(betaId).click();
    await expect(page).toHaveURL(new RegExp(`/chat/${betaId}$`));
    await sidebar.delete(betaId);
    await expect(sidebar.link(betaId)).toHaveCount(0);
    await expect(sidebar.links).toHaveCount(1);
    await expect(page).toHaveURL(CHAT_URL);
    expect(page.url()).not.toContain(betaId);
    await screenshot(page, "sidebar-deleted");
    // It is gone for good: its address now opens an empty chat, none of its messages.
    await page.goto(`/chat/${betaId}`);
    await expect(chat.log).toContainText("Ask anything to start a conversation.");
    await expect(chat.log).not.toContainText(beta);
    expect((await page.request.get(`/api/chats/${betaId}/messages`)).status()).toBe(404);
  });

  test("“New chat” right after a first chat starts an empty chat", async ({ page, account: _, chat, sidebar }) => {
    const first = uniqueId("firstchat");
    const second = uniqueId("secondchat");
    await chat.gotoNew();
    await chat.ask(`${first} one`);
    const firstId = await chat.chatId();

    // No reload in between: the page is still the one the first chat started on.
    await sidebar.newChat.click();
    await expect(page).toHaveURL(CHAT_URL);
    await expect(page).not.toHaveURL(new RegExp(firstId));
    await expect
      .soft(chat.log, "New chat should show an empty conversation")
      .toContainText("Ask anything to start a conversation.", { timeout: 5_000 });
    await screenshot(page, "new-chat-after-first-chat");

    await chat.ask(`${second} two`);
    // Two separate chats are stored, and the first one kept only its own messages.
    await expect
      .soft.poll(async () => ((await (await page.request.get("/api/chats")).json()) as { chats: unknown[] }).chats.length, {
        message: "the second message should start a second chat",
        timeout: 5_000,
      })
      .toBe(2);
    const firstMessages = (await (await page.request.get(`/api/chats/${firstId}/messages`)).json()) as {
      messages: Array<{ parts: Array<{ text?: string }> }>;
    };
    const firstTexts = firstMessages.messages.map((m) => m.parts.map((p) => p.text ?? "").join(""));
    expect(firstTexts.join(" | "), "the first chat must not receive the second chat's message").not.toContain(second);
    await expect(chat.userTexts).toHaveText([`${second} two`]);
    await expect(page).toHaveURL(CHAT_URL);
  });
});
