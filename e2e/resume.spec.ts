import { ChatPage } from "./pages/chat-page";
import { cuttableProxy } from "./support/cuttable-proxy";
import { fakeLlm, uniqueId } from "./support/fake-llm";
import { expect, screenshot, test } from "./support/fixtures";

/** Answers belong to the server: a reload, a second tab or a lost connection picks them up where they are. */

const words = (n: number, tag: string) => Array.from({ length: n }, (_, i) => `${tag}${i + 1}`).join(" ");

async function storedAnswer(page: import("@playwright/test").Page, chatId: string) {
  const response = await page.request.get(`/api/chats/${chatId}/messages`);
  const { messages } = (await response.json()) as { messages: Array<{ role: string; parts: Array<{ type: string; text?: string }>; metadata: { status: string } }> };
  const answer = messages.findLast((m) => m.role === "assistant")!;
  return { status: answer.metadata.status, text: answer.parts.find((p) => p.type === "text")?.text ?? "" };
}

test("a reload mid-answer shows the text so far at once and follows it to the end", async ({ page, account: _, chat }) => {
  const match = uniqueId("reload-");
  const tag = `${match.replaceAll("-", "")}x`;
  const reply = words(50, tag);
  await fakeLlm.rule({ match, reply, tokensPerSec: 10 });
  await chat.gotoNew();
  await chat.send(`${match} tell me`);
  await expect(chat.answerBody()).toContainText(`${tag}8`);
  const chatId = new URL(page.url()).pathname.split("/").at(-1)!;

  await page.reload();
  // The text so far is on the page as it loads, and keeps growing.
  await expect(chat.answerBody()).toContainText(`${tag}8`, { timeout: 3_000 });
  await screenshot(page, "resume-after-reload");
  await chat.expectAnswerStatus("complete", chat.lastAnswer, 20_000);
  const shown = await chat.answerText();
  expect(shown).toBe(reply); // no word lost, none repeated
  expect(await storedAnswer(page, chatId)).toEqual({ status: "complete", text: reply });
  expect(await fakeLlm.requests(match)).toHaveLength(1);
});

test("a second tab shows the same live answer, and its Stop stops it upstream", async ({ page, context, account: _, chat }) => {
  const match = uniqueId("twotabs-");
  const tag = `${match.replaceAll("-", "")}y`;
  await fakeLlm.rule({ match, reply: words(80, tag), tokensPerSec: 8 });
  await chat.gotoNew();
  await chat.send(`${match} go on`);
  await expect(chat.answerBody()).toContainText(`${tag}3`);

  const second = await context.newPage();
  const other = new ChatPage(second);
  await second.goto(page.url());
  await expect(other.answerBody()).toContainText(`${tag}5`);
  await expect(other.stopButton).toBeVisible();
  await screenshot(second, "resume-second-tab");
  await other.stopButton.click();

  // Both tabs end on the same stored partial answer.
  await other.expectAnswerStatus("partial");
  await chat.expectAnswerStatus("partial");
  await expect(chat.lastAnswer.getByText("Stopped", { exact: true })).toBeVisible();
  await expect.poll(async () => (await fakeLlm.requests(match)).map((r) => r.aborted)).toEqual([true]);
  const chatId = new URL(page.url()).pathname.split("/").at(-1)!;
  const stored = await storedAnswer(page, chatId);
  expect(stored.status).toBe("partial");
  await expect.poll(() => chat.answerText()).toBe(stored.text);
  await expect.poll(() => other.answerText()).toBe(stored.text);
  await screenshot(page, "resume-stopped-from-other-tab");
});

test("a connection lost mid-answer shows Reconnecting… and resumes when back", async ({ page, context, account: _, chat }) => {
  const match = uniqueId("offline-");
  const tag = `${match.replaceAll("-", "")}z`;
  const reply = words(40, tag);
  await fakeLlm.rule({ match, reply, tokensPerSec: 8 });
  const proxy = await cuttableProxy();
  try {
    await page.goto(`${proxy.url}/`);
    await expect(chat.composer).toBeVisible();
    await chat.send(`${match} keep talking`);
    await expect(chat.answerBody()).toContainText(`${tag}3`);

    // The network goes: the stream is cut and nothing gets through.
    await context.setOffline(true);
    proxy.cut();
    await expect(page.getByRole("status").filter({ hasText: "Reconnecting…" })).toBeVisible({ timeout: 15_000 });
    await screenshot(page, "resume-reconnecting");
    // The server kept writing meanwhile; when the network is back the page catches up.
    await expect.poll(async () => (await fakeLlm.requests(match))[0]?.tokensSent ?? 0).toBeGreaterThan(10);
    proxy.restore();
    await context.setOffline(false);

    await chat.expectAnswerStatus("complete", chat.lastAnswer, 20_000);
    await expect(page.getByRole("status").filter({ hasText: "Reconnecting…" })).toBeHidden();
    expect(await chat.answerText()).toBe(reply);
    expect(await fakeLlm.requests(match)).toHaveLength(1);
    await screenshot(page, "resume-after-offline");
  } finally {
    await proxy.close();
  }
});
