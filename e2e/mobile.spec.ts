import { expect, screenshot, test } from "./support/fixtures";
import { uniqueId } from "./support/fake-llm";

test.use({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 });

test("on a phone the chat works and the sidebar opens from “Open chats”", async ({ page, account: _, chat, sidebar }) => {
  const marker = uniqueId("phone");
  await chat.gotoNew();

  // The chat list is off screen until asked for.
  await expect(chat.openChatsButton).toBeVisible();
  await expect(sidebar.nav).not.toBeInViewport();
  await expect(chat.composer).toBeInViewport();
  await expect(chat.sendButton).toBeInViewport();

  await chat.ask(`${marker} hello from a phone`);
  await expect(chat.answerBody()).toHaveText(`You said: ${marker} hello from a phone`);
  const chatId = await chat.chatId();
  await expect(chat.answerBody()).toBeInViewport();
  await expect(chat.composer).toBeInViewport();
  // Nothing sticks out sideways.
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  expect(overflow).toBeLessThanOrEqual(0);
  await screenshot(page, "mobile-chat");

  await chat.openChatsButton.click();
  await expect(sidebar.nav).toBeInViewport({ ratio: 1 });
  await expect(sidebar.link(chatId)).toBeVisible();
  await expect(sidebar.newChat).toBeInViewport();
  await screenshot(page, "mobile-sidebar-open");

  // Tapping outside the list closes it again.
  await page.touchscreen.tap(370, 420);
  await expect(sidebar.nav).not.toBeInViewport();
  await expect(chat.composer).toBeInViewport();
});

test("the closed sidebar is out of the keyboard and screen-reader order", async ({ page, account: _, chat, sidebar }) => {
  await chat.gotoNew();
  await expect(sidebar.nav).not.toBeInViewport();
  // Off screen, the list must not be announced or focusable (WCAG 2.4.3 / 4.1.2).
  await expect
    .soft(page.getByRole("navigation", { name: "Chats" }), "closed sidebar is exposed to screen readers")
    .toHaveCount(0, { timeout: 2_000 });
  // A keyboard user tabbing from the top of the page should land on something they can see.
  await page.evaluate(() => {
    const start = document.createElement("button");
    start.id = "e2e-focus-start";
    document.body.prepend(start);
    start.focus();
  });
  await page.keyboard.press("Tab");
  await page.evaluate(() => document.getElementById("e2e-focus-start")?.remove());
  await screenshot(page, "mobile-first-tab");
  const focused = await page.evaluate(() => {
    const el = document.activeElement;
    if (!el || el === document.body) return null;
    const box = el.getBoundingClientRect();
    return { text: (el.textContent ?? "").trim() || el.getAttribute("aria-label"), right: box.right };
  });
  expect(focused && focused.right <= 0 ? `off-screen "${focused.text}"` : "on screen", "keyboard focus went off screen").toBe(
    "on screen",
  );
});

test("on a phone, Settings and the not-found page still lead back to the chats", async ({ page, account: _, sidebar }) => {
  for (const path of ["/settings", "/chat/00000000-0000-4000-8000-000000000000"]) {
    await page.goto(path);
    await expect(sidebar.nav).not.toBeInViewport();
    const toggle = page.getByRole("button", { name: "Open chats" });
    const visibleLinks = page.getByRole("link").filter({ visible: true });
    // Some visible way to the chat list (a toggle, or any on-screen link).
    const onScreen = async () =>
      (await toggle.isVisible()) ||
      (await visibleLinks.evaluateAll((links) =>
        links.some((a) => {
          const box = a.getBoundingClientRect();
          return box.right > 0 && box.left < window.innerWidth;
        }),
      ));
    await screenshot(page, path === "/settings" ? "mobile-settings" : "mobile-not-found");
    await expect.soft.poll(onScreen, { message: `${path}: no on-screen way back to the chats`, timeout: 2_000 }).toBe(true);
  }
});
