import { expect, screenshot, test } from "./support/fixtures";
import { uniqueId } from "./support/fake-llm";

test("a long chat opens on its newest messages and loads earlier ones on demand", async ({ page, account: _, chat }) => {
  // 30 turns (60 messages) through the API: more than one page of history (50).
  const marker = uniqueId("long");
  const chatId = crypto.randomUUID();
  for (let i = 1; i <= 30; i++) {
    const response = await page.request.post("/api/chat", { data: { id: chatId, message: `${marker} turn ${i}` } });
    expect(response.status()).toBe(200);
    await response.text();
  }

  await page.goto(`/chat/${chatId}`);
  const loadEarlier = page.getByRole("button", { name: "Load earlier messages" });
  await expect(loadEarlier).toBeVisible();
  // The newest page: turn 30 is there, turns 1-5 are not loaded yet.
  await expect(chat.userTexts.last()).toHaveText(`${marker} turn 30`);
  await expect(chat.userMessages).toHaveCount(25);
  await expect(chat.userTexts.first()).toHaveText(`${marker} turn 6`);
  await screenshot(page, "long-history-newest");

  await loadEarlier.click();
  await expect(chat.userMessages).toHaveCount(30);
  await expect(chat.userTexts.first()).toHaveText(`${marker} turn 1`);
  await expect(loadEarlier).toBeHidden();
  await screenshot(page, "long-history-all");
});
