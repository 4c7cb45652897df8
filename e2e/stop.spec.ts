import { expect, screenshot, test } from "./support/fixtures";
import { fakeLlm, uniqueId } from "./support/fake-llm";

test("Stop keeps the text so far, cancels the model request and stores the partial answer", async ({
  page,
  account: _,
  chat,
}) => {
  const match = uniqueId("stop-");
  const words = Array.from({ length: 60 }, (__, i) => `word${i + 1}`);
  const reply = words.join(" ");
  await fakeLlm.rule({ match, reply, tokensPerSec: 6 });
  await chat.gotoNew();
  await chat.send(`${match} write a long answer`);

  // Wait for a few words, then stop mid-stream.
  await expect(chat.lastAnswer).toHaveAttribute("data-status", "streaming");
  await expect(chat.answerBody()).toContainText("word4");
  await chat.stopButton.click();

  await expect(chat.stopButton).toBeHidden();
  await expect(chat.sendButton).toBeVisible();
  await chat.expectAnswerStatus("partial");
  await expect(chat.lastAnswer.getByText("Stopped", { exact: true })).toBeVisible();
  const shown = await chat.answerText();
  expect(shown).toMatch(/^word1 word2 word3 word4/);
  expect(shown.length).toBeLessThan(reply.length);
  // Nothing more arrives after Stop.
  await page.waitForTimeout(1_000);
  expect(await chat.answerText()).toBe(shown);
  await screenshot(page, "stop-partial");

  // The upstream model request was cancelled, not left running.
  await expect
    .poll(async () => (await fakeLlm.requests(match)).map((r) => ({ aborted: r.aborted, completed: r.completed })), {
      timeout: 5_000,
    })
    .toEqual([{ aborted: true, completed: false }]);
  const [request] = await fakeLlm.requests(match);
  expect(request?.tokensSent).toBeLessThan(words.length);

  // The partial answer was stored: it is still there after a reload.
  const chatId = await chat.chatId();
  await page.reload();
  await expect(page).toHaveURL(new RegExp(`/chat/${chatId}$`));
  await expect(chat.userMessages).toHaveCount(1);
  await expect(chat.answers).toHaveCount(1);
  await chat.expectAnswerStatus("partial");
  await expect(chat.lastAnswer.getByText("Stopped", { exact: true })).toBeVisible();
  const stored = await chat.answerText();
  expect(stored.startsWith(shown), `stored "${stored}" should start with the shown "${shown}"`).toBe(true);
  expect(stored.length).toBeLessThan(reply.length);
  await screenshot(page, "stop-partial-after-reload");
});
