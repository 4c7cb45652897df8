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
  const shownAtStop = await chat.answerText();
  expect(shownAtStop).toMatch(/^word1 word2 word3 word4/);
  // The screen then settles on the stored answer: what was shown, plus at most the
  // token or two the server received before it noticed the stop.
  await page.waitForTimeout(2_000);
  const shown = await chat.answerText();
  expect(shown.startsWith(shownAtStop), `"${shown}" should start with "${shownAtStop}"`).toBe(true);
  expect(shown.length).toBeLessThan(reply.length);
  await page.waitForTimeout(500);
  expect(await chat.answerText(), "nothing more arrives after Stop").toBe(shown);
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
  // The reload shows exactly what the screen showed after Stop.
  expect(await chat.answerText()).toBe(shown);
  await screenshot(page, "stop-partial-after-reload");
});
