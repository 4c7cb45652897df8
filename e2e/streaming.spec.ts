import { expect, screenshot, test } from "./support/fixtures";
import { fakeLlm, uniqueId } from "./support/fake-llm";

test.describe("streaming answers", () => {
  test("an answer appears word by word and ends complete", async ({ page, account: _, chat }) => {
    const match = uniqueId("stream-");
    const reply =
      "Streaming works one word at a time so the reader sees progress long before the whole answer has arrived here today.";
    await fakeLlm.rule({ match, reply, tokensPerSec: 8 });
    await chat.gotoNew();
    // Record, inside the page, every length the answer's text is rendered with
    // (a MutationObserver sees each render; polling from the test would miss some).
    await page.evaluate(() => {
      const samples: Array<{ at: number; length: number; status: string | null }> = [];
      (window as unknown as { __samples: typeof samples }).__samples = samples;
      const log = document.querySelector('[role="log"]');
      if (!log) throw new Error("no conversation log");
      new MutationObserver(() => {
        const answers = log.querySelectorAll('[data-role="assistant"]');
        const answer = answers[answers.length - 1];
        const body = answer?.firstElementChild as HTMLElement | null | undefined;
        if (!answer || !body) return;
        const length = body.innerText.trim().length;
        const last = samples[samples.length - 1];
        const status = answer.getAttribute("data-status");
        if (!last || last.length !== length || last.status !== status) samples.push({ at: performance.now(), length, status });
      }).observe(log, { subtree: true, childList: true, characterData: true, attributes: true });
    });
    await chat.send(`${match} tell me something slowly`);

    await expect(chat.userTexts.first()).toHaveText(`${match} tell me something slowly`);
    // Screen readers hear the answer politely as it arrives.
    await expect(chat.log).toHaveAttribute("aria-live", "polite");
    await expect(chat.stopButton).toBeVisible();
    await expect(chat.lastAnswer).toHaveAttribute("data-status", "streaming");
    // Part of the answer is on screen while the rest is still coming.
    await expect.poll(async () => (await chat.answerText()).length, { intervals: [50] }).toBeGreaterThan(20);
    expect(await chat.lastAnswer.getAttribute("data-status")).toBe("streaming");
    expect((await chat.answerText()).length).toBeLessThan(reply.length);
    await screenshot(page, "stream-partial");

    await chat.expectAnswerStatus("complete", chat.lastAnswer, 15_000);
    const samples = await page.evaluate(
      () => (window as unknown as { __samples: Array<{ at: number; length: number; status: string | null }> }).__samples,
    );
    const streamed = samples.filter((sample) => sample.status === "streaming" && sample.length > 0);
    const lengths = streamed.map((sample) => sample.length);
    expect(lengths.length, `lengths rendered while streaming: ${lengths.join(",")}`).toBeGreaterThanOrEqual(8);
    expect(lengths, "text only grows").toEqual([...lengths].sort((a, b) => a - b));
    expect(lengths[0], "the first words show long before the full reply").toBeLessThan(reply.length / 4);
    const first = streamed[0];
    const done = samples.find((sample) => sample.status === "complete");
    expect(first && done ? done.at - first.at : 0, "ms from first words to complete").toBeGreaterThan(1_500);

    await expect(chat.answerBody()).toHaveText(reply);
    await expect(chat.stopButton).toBeHidden();
    await expect(chat.sendButton).toBeVisible();
    await expect(chat.regenerateButton).toBeVisible();
    await chat.chatId();
    await screenshot(page, "stream-complete");
  });

  test("Markdown renders: GFM table, list and highlighted code", async ({ page, account: _, chat }) => {
    const match = uniqueId("markdown-");
    const reply = [
      "Here is a comparison:",
      "",
      "| Language | Typing |",
      "| --- | --- |",
      "| TypeScript | static |",
      "| Python | dynamic |",
      "",
      "Things to remember:",
      "",
      "- first item",
      "- second item with `inline code`",
      "- third item",
      "",
      "```js",
      "const answer = 42;",
      "function greet(name) {",
      '  return "hello " + name;',
      "}",
      "```",
      "",
      "That is **all**.",
    ].join("\n");
    await fakeLlm.rule({ match, reply });
    await chat.gotoNew();
    await chat.ask(`${match} show me some markdown`);

    const answer = chat.lastAnswer;
    const table = answer.locator("table");
    await expect(table).toBeVisible();
    await expect(table.locator("th")).toHaveText(["Language", "Typing"]);
    await expect(table.locator("tbody tr")).toHaveCount(2);
    await expect(table.locator("tbody tr").first().locator("td")).toHaveText(["TypeScript", "static"]);

    await expect(answer.locator("ul > li")).toHaveText(["first item", "second item with inline code", "third item"]);
    await expect(answer.locator("li code")).toHaveText("inline code");
    await expect(answer.locator("strong")).toHaveText("all");

    const code = answer.locator("pre code");
    await expect(code).toHaveCount(1);
    await expect(code).toHaveClass(/\bhljs\b/);
    await expect(code).toHaveClass(/language-js/);
    await expect(code).toContainText("function greet(name)");
    await expect(code.locator(".hljs-keyword").first()).toBeVisible();
    await expect(code.locator(".hljs-string")).toContainText('"hello "');
    await expect(code.locator(".hljs-number")).toHaveText("42");
    // The highlight colours really apply (globals.css), not just the classes.
    const keywordColour = await code.locator(".hljs-keyword").first().evaluate((el) => getComputedStyle(el).color);
    expect(keywordColour).toBe("rgb(199, 146, 234)");
    await screenshot(page, "markdown-rendered");
  });

  test("raw HTML in an answer is not rendered", async ({ page, account: _, chat }) => {
    const match = uniqueId("html-");
    const reply =
      'Before the tags. <img src=x onerror="window.__parleyXss=1"> and <script>window.__parleyXss=2</script> ' +
      '<b>bold-tag</b> <iframe src="https://example.com"></iframe> <a href="javascript:window.__parleyXss=3">click me</a>\n\n' +
      "[md link](javascript:window.__parleyXss=4) After the tags.";
    const dialogs: string[] = [];
    page.on("dialog", (dialog) => {
      dialogs.push(dialog.message());
      void dialog.dismiss();
    });
    await fakeLlm.rule({ match, reply });
    await chat.gotoNew();
    await chat.ask(`${match} try to inject html`);

    const answer = chat.lastAnswer;
    await expect(answer).toContainText("Before the tags.");
    await expect(answer).toContainText("After the tags.");
    for (const tag of ["img", "script", "iframe", "b"]) {
      await expect(answer.locator(tag), `<${tag}> must not be rendered`).toHaveCount(0);
    }
    // No link may run script when clicked.
    const hrefs = await answer.locator("a").evaluateAll((links) => links.map((a) => a.getAttribute("href") ?? ""));
    for (const href of hrefs) expect(href.toLowerCase()).not.toContain("javascript:");
    expect(await page.evaluate(() => (window as unknown as { __parleyXss?: number }).__parleyXss)).toBeUndefined();
    expect(dialogs).toEqual([]);
    await screenshot(page, "markdown-raw-html-ignored");
  });
});
