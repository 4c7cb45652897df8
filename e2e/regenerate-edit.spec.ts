import { expect, screenshot, test } from "./support/fixtures";
import { fakeLlm, uniqueId } from "./support/fake-llm";

test.describe("changing answers", () => {
  test("Regenerate replaces the last answer, and the new one is stored", async ({ page, account: _, chat }) => {
    const match = uniqueId("regen-");
    await fakeLlm.rule({ match, reply: "The first answer: apples." });
    await chat.gotoNew();
    await chat.ask(`${match} name a fruit`);
    await expect(chat.answerBody()).toHaveText("The first answer: apples.");
    const chatId = await chat.chatId();
    await screenshot(page, "regenerate-before");

    // A newer rule for the same message: the next call answers differently.
    await fakeLlm.rule({ match, reply: "The second answer: pears." });
    await chat.regenerateButton.click();
    await expect(chat.answerBody()).toHaveText("The second answer: pears.");
    await chat.expectAnswerStatus("complete");
    await expect(chat.answers).toHaveCount(1);
    await expect(chat.userMessages).toHaveCount(1);
    await expect(chat.log).not.toContainText("apples");
    await screenshot(page, "regenerate-after");

    await page.reload();
    await expect(page).toHaveURL(new RegExp(`/chat/${chatId}$`));
    await expect(chat.userTexts).toHaveText([`${match} name a fruit`]);
    await expect(chat.answers).toHaveCount(1);
    await expect(chat.answerBody()).toHaveText("The second answer: pears.");
    await expect(chat.log).not.toContainText("apples");
  });

  test("editing a message replaces it and everything after it", async ({ page, account: _, chat }) => {
    const marker = uniqueId("edit");
    await chat.gotoNew();
    await chat.ask(`${marker} original wording`);
    await chat.ask(`${marker} a follow-up`);
    const chatId = await chat.chatId();
    await expect(chat.answers).toHaveCount(2);

    await chat.editButton(0).click();
    const box = chat.log.getByRole("textbox", { name: "Edit message" });
    await expect(box).toHaveValue(`${marker} original wording`);
    await box.fill(`${marker} edited wording`);
    await screenshot(page, "edit-in-progress");
    await chat.log.getByRole("button", { name: "Save and send" }).click();

    await expect(chat.userTexts).toHaveText([`${marker} edited wording`]);
    await expect(chat.answers).toHaveCount(1);
    await expect(chat.answerBody()).toHaveText(`You said: ${marker} edited wording`);
    await chat.expectAnswerStatus("complete");
    await expect(chat.log).not.toContainText("original wording");
    await expect(chat.log).not.toContainText("a follow-up");
    await screenshot(page, "edit-after");

    // The model saw only the edited message, not the replaced turns.
    const requests = await fakeLlm.requests(`${marker} edited wording`);
    const lastRequest = requests.at(-1);
    const sent = JSON.stringify(lastRequest?.body.messages ?? []);
    expect(sent).not.toContain("original wording");
    expect(sent).not.toContain("a follow-up");

    await page.reload();
    await expect(page).toHaveURL(new RegExp(`/chat/${chatId}$`));
    await expect(chat.userTexts).toHaveText([`${marker} edited wording`]);
    await expect(chat.answers).toHaveCount(1);
    await expect(chat.answerBody()).toHaveText(`You said: ${marker} edited wording`);
  });
});
