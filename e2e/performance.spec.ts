import { PerformancePage } from "./pages/performance-page";
import { FIRST_USER } from "./support/env";
import { fakeLlm, uniqueId } from "./support/fake-llm";
import { expect, screenshot, signInWithApi, test } from "./support/fixtures";

const TTFT_MS = 1_500;

test.describe("latency you can see", () => {
  test("an answer's info control and the admin's dashboard name the model's first token as the bottleneck", async ({
    page,
    browser,
    account,
    chat,
  }) => {
    test.setTimeout(90_000);
    const marker = uniqueId("latency");
    // A slow first token and a modest speed: what the user waited on is the model.
    await fakeLlm.rule({ match: marker, ttftMs: TTFT_MS, tokensPerSec: 25, reply: "Measured answer with a slow first token and a steady stream of words after it." });

    await chat.gotoNew();
    await chat.ask(`first question ${marker}`);
    await chat.ask(`second question ${marker}`);

    // The answer's own latency report, including what this browser saw.
    await chat.lastAnswer.getByRole("button", { name: "Latency report" }).click();
    const info = chat.lastAnswer.getByRole("dialog", { name: "Latency report" });
    await expect(info.locator('[data-metric="Time to first token"]')).toHaveText(/^1\.[5-9]\d s$|^2\.\d\d s$/);
    await expect(info.locator('[data-metric="Generation speed"]')).toHaveText(/tok\/s$/);
    await expect(info.locator('[data-metric="Retrieval"]')).toHaveText("not used");
    await expect(info.locator('[data-metric="First token on your screen"]')).toHaveText(/^\d+(\.\d+)? s$/);
    await expect(info).toContainText("Waited longest on: Model queue + first token");
    await screenshot(page, "chat-latency-info");

    // Tall enough to show the whole dashboard in one screenshot.
    const adminContext = await browser.newContext({ viewport: { width: 1280, height: 2200 } });
    try {
      const adminPage = await adminContext.newPage();
      await signInWithApi(adminPage.request, FIRST_USER);
      const dashboard = new PerformancePage(adminPage);
      await dashboard.goto();
      await dashboard.showOnlyUser(account.email);

      await expect(dashboard.stat("requests")).toContainText(/Requests\s*2$/);
      await expect(dashboard.stat("success")).toContainText("100.0 %");
      await expect(dashboard.stat("bottleneck")).toContainText("Model queue + first token");
      await expect(dashboard.stat("bottleneck")).toContainText("100 % of requests");
      // The dashboard's percentiles come from histogram bins 10 % wide, so its p50 may sit up to one bin under
      // the true first-token time (at least TTFT_MS); the answer's own report above is exact.
      await expect(dashboard.stat("ttft")).toContainText(/p50 \d\.\d\d s/);
      const p50 = Number((await dashboard.stat("ttft").textContent())?.match(/p50 (\d\.\d\d) s/)?.[1]) * 1000;
      expect(p50).toBeGreaterThanOrEqual(TTFT_MS / 1.1);
      expect(p50).toBeLessThan(TTFT_MS + 1_000);
      await expect(dashboard.stat("speed")).toContainText(/\d+ tok\/s/);
      await expect(dashboard.stage("model_ttft")).toHaveAttribute("data-bottleneck", "true");
      await expect(dashboard.stage("model_ttft")).toContainText("bottleneck");
      await expect(dashboard.trendChart.locator("svg.recharts-surface").first()).toBeVisible();
      await expect(dashboard.requestRows).toHaveCount(2);
      await screenshot(adminPage, "performance-dashboard", { fullPage: true });

      // One request: its stages, and the browser's timings stored under its id.
      await dashboard.requestRows.first().click();
      await expect(dashboard.requestDetails).toContainText("Model queue + first token · bottleneck");
      await expect(dashboard.requestDetails).toContainText(/Browser: connect · first token on screen\s*[\d.]+ (ms|s) · [\d.]+ s/);
      await screenshot(adminPage, "performance-request", { fullPage: true });

      // That request's chat session: the two answers of this chat.
      await dashboard.requestDetails.getByRole("button", { name: "Show this chat session" }).click();
      await expect(dashboard.sessionFilter).toBeVisible();
      await expect(dashboard.requestRows).toHaveCount(2);
      await dashboard.sessionFilter.getByRole("button", { name: "Show all sessions" }).click();

      // Live: a new answer shows up without a reload.
      await chat.ask(`third question ${marker}`);
      await expect(dashboard.stat("requests")).toContainText(/Requests\s*3$/, { timeout: 15_000 });

      // A week of this user's requests comes from the per-user daily rollups, with the same numbers.
      await dashboard.rangeFilter.selectOption("7d");
      await expect(adminPage.getByText(/^From 1-day rollups/)).toBeVisible();
      await expect(dashboard.stat("requests")).toContainText(/Requests\s*3$/);
      await expect(dashboard.stat("bottleneck")).toContainText("Model queue + first token");
      await expect(dashboard.requestRows).toHaveCount(3);
      await screenshot(adminPage, "performance-week", { fullPage: true });
    } finally {
      await adminContext.close();
    }
  });

  test("a normal user gets 403 from the page and the API, and sees no link to it", async ({ page, account: _, sidebar }) => {
    const response = await page.goto("/admin/performance");
    expect(response?.status()).toBe(403);
    await expect(page.getByRole("heading", { name: "Not for your account" })).toBeVisible();
    await screenshot(page, "performance-forbidden");
    const api = await page.request.get("/api/performance");
    expect(api.status()).toBe(403);
    expect(await api.text()).toContain("Only an administrator may see this.");
    await page.goto("/");
    await expect(sidebar.nav.getByRole("link", { name: "Performance" })).toHaveCount(0);
  });
});
