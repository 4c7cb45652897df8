import { expect, type Locator, type Page } from "@playwright/test";

/** `/admin/performance` (components/performance/*): filters, headline numbers, trend, stages, requests. */
export class PerformancePage {
  readonly heading: Locator;
  readonly userFilter: Locator;
  readonly rangeFilter: Locator;
  readonly updated: Locator;
  readonly trendChart: Locator;
  readonly averageStages: Locator;
  readonly requestRows: Locator;
  readonly requestDetails: Locator;
  readonly sessionFilter: Locator;

  constructor(readonly page: Page) {
    this.heading = page.getByRole("main").getByRole("heading", { name: "Performance", level: 1 });
    this.userFilter = page.getByRole("combobox", { name: "User" });
    this.rangeFilter = page.getByRole("combobox", { name: "Time range" });
    this.updated = page.getByText(/^Updated /);
    this.trendChart = page.getByTestId("trend-chart");
    this.averageStages = page.getByTestId("average-stages");
    this.requestRows = page.getByTestId("request-row");
    this.requestDetails = page.getByTestId("request-details");
    this.sessionFilter = page.getByTestId("session-filter");
  }

  async goto() {
    await this.page.goto("/admin/performance");
    await expect(this.heading).toBeVisible();
    await expect(this.updated).toBeVisible();
  }

  /** The value line of a headline card (e.g. "requests", "bottleneck"). */
  stat(name: "requests" | "success" | "end-to-end" | "ttft" | "speed" | "bottleneck"): Locator {
    return this.page.getByTestId(`stat-${name}`);
  }

  /** A stage of the average request's breakdown. */
  stage(name: string): Locator {
    return this.averageStages.locator(`li[data-stage="${name}"]`);
  }

  async showOnlyUser(email: string) {
    await this.userFilter.selectOption({ label: email });
  }
}
