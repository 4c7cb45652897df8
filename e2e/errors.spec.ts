import { IDLE_TIMEOUT_MS } from "./support/env";
import { expect, screenshot, test } from "./support/fixtures";
import { fakeLlm, uniqueId } from "./support/fake-llm";

test.describe("model failures", () => {
  test("a model server error shows an alert with Retry, and Retry answers", async ({ page, account: _, chat }) => {
    const match = uniqueId("fail-");
    await fakeLlm.rule({ match, error: { status: 500, message: "the GPU node is overloaded" } });
    await chat.gotoNew();
    await chat.send(`${match} are you there`);

    await expect(chat.alert).toBeVisible();
    await expect(chat.alert).toContainText("model server");
    await expect(chat.alert).toContainText("the GPU node is overloaded");
    await expect(chat.retryButton).toBeVisible();
    await expect(chat.sendButton).toBeVisible();
    // The user's message is kept.
    await expect(chat.userTexts).toHaveText([`${match} are you there`]);
    // No empty answer pretending to be complete next to the error (it would offer a second "Regenerate").
    await expect
      .soft(chat.log.locator('[data-role="assistant"][data-status="complete"]'), "a failed answer is not shown as complete")
      .toHaveCount(0, { timeout: 2_000 });
    await screenshot(page, "error-alert");

    // The model recovers (a newer rule for the same message), the user retries.
    await fakeLlm.rule({ match, reply: "Back online, here is your answer." });
    await chat.retryButton.click();
    await expect(chat.answerBody()).toHaveText("Back online, here is your answer.");
    await chat.expectAnswerStatus("complete");
    await expect(chat.alert).toBeHidden();
    await expect(chat.answers).toHaveCount(1);
    await expect(chat.userMessages).toHaveCount(1);
    await screenshot(page, "error-retried");

    // Stored that way too: one question, one answer, no error.
    await page.reload();
    await expect(chat.userMessages).toHaveCount(1);
    await expect(chat.answers).toHaveCount(1);
    await expect(chat.answerBody()).toHaveText("Back online, here is your answer.");
    await expect(chat.alert).toBeHidden();
  });

  test("a stalled model times out with an error and the partial text stays", async ({ page, account: _, chat }) => {
    const match = uniqueId("stall-");
    const reply = "One two three four five six seven eight nine ten eleven twelve.";
    await fakeLlm.rule({ match, reply, tokensPerSec: 20, stallAfterTokens: 4 });
    await chat.gotoNew();
    await chat.send(`${match} count for me`);

    await expect(chat.answerBody()).toHaveText("One two three four");
    await expect(chat.stopButton).toBeVisible();
    // After the idle timeout the server gives up on the model and says so.
    await expect(chat.alert).toBeVisible({ timeout: IDLE_TIMEOUT_MS + 7_000 });
    await expect(chat.alert).toContainText(`stopped sending for ${IDLE_TIMEOUT_MS / 1000} s`);
    await expect(chat.retryButton).toBeVisible();
    await expect(chat.answerBody()).toHaveText("One two three four");
    await expect(chat.sendButton).toBeVisible();
    // Soft: checked, reported, and the rest of the test still runs.
    await expect
      .soft(chat.lastAnswer, "the failed answer is marked as an error")
      .toHaveAttribute("data-status", "error", { timeout: 3_000 });
    await screenshot(page, "error-stall-timeout");

    // The model request was cancelled by the timeout, not left hanging.
    await expect
      .poll(async () => (await fakeLlm.requests(match)).map((r) => r.aborted), { timeout: 5_000 })
      .toEqual([true]);

    // Stored as a failed partial answer.
    const chatId = await chat.chatId();
    await page.reload();
    await expect(page).toHaveURL(new RegExp(`/chat/${chatId}$`));
    await expect(chat.answerBody()).toHaveText("One two three four");
    await chat.expectAnswerStatus("error");
    await expect(chat.alert).toContainText(`stopped sending for ${IDLE_TIMEOUT_MS / 1000} s`);
    await screenshot(page, "error-stall-after-reload");
  });

  test("a lost connection shows an alert with Retry, and Retry answers once it is back", async ({ page, account: _, chat }) => {
    const match = uniqueId("offline-");
    await chat.gotoNew();
    // The browser cannot reach Parley for this one request.
    await page.route("**/api/chat", (route) => route.abort("internetdisconnected"), { times: 1 });
    await chat.send(`${match} hello`);
    await expect(chat.alert).toContainText("Could not reach Parley");
    await expect(chat.retryButton).toBeVisible();
    await expect(chat.sendButton).toBeVisible();
    await screenshot(page, "error-offline");

    await chat.retryButton.click();
    await expect(chat.answerBody()).toHaveText(`You said: ${match} hello`);
    await chat.expectAnswerStatus("complete");
    await expect(chat.alert).toBeHidden();
    await expect(chat.userMessages).toHaveCount(1);
  });
});
