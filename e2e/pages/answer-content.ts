import type { Locator, Page } from "@playwright/test";

/** What an answer's Markdown shows for untrusted URLs (components/chat/markdown-image.tsx, markdown-link.tsx). */
export class AnswerContent {
  constructor(readonly answer: Locator) {}

  /** The placeholder of an image that was not loaded: a link naming the image's host. */
  imagePlaceholder(host: string): Locator {
    return this.answer.locator("a[data-image-placeholder]").filter({ hasText: `Image from ${host}` });
  }

  image(alt: string): Locator {
    return this.answer.getByRole("img", { name: alt, exact: true });
  }

  link(name: string | RegExp): Locator {
    return this.answer.getByRole("link", { name });
  }

  text(text: string): Locator {
    return this.answer.getByText(text, { exact: true });
  }
}

export interface CspViolation {
  directive: string;
  blockedURI: string;
  sample: string;
  page: string;
  /** Where the refused code or load came from: script URL and line. */
  source: string;
}

/**
 * Collects every Content-Security-Policy violation the browser reports in a
 * page (its `securitypolicyviolation` events, in every document the page
 * loads) and the console messages that speak of one.
 */
export class CspMonitor {
  readonly violations: CspViolation[] = [];
  readonly consoleErrors: string[] = [];

  private constructor(readonly page: Page) {}

  static async attach(page: Page): Promise<CspMonitor> {
    const monitor = new CspMonitor(page);
    await page.exposeFunction("__reportCspViolation", (violation: CspViolation) => void monitor.violations.push(violation));
    await page.addInitScript(() => {
      document.addEventListener("securitypolicyviolation", (event) => {
        const report = (window as unknown as { __reportCspViolation: (v: unknown) => void }).__reportCspViolation;
        void report({
          directive: event.effectiveDirective,
          blockedURI: event.blockedURI,
          sample: event.sample,
          page: location.pathname,
          source: `${event.sourceFile}:${event.lineNumber}:${event.columnNumber}`,
        });
      });
    });
    page.on("console", (message) => {
      if (/Content Security Policy|Refused to/i.test(message.text())) monitor.consoleErrors.push(message.text());
    });
    return monitor;
  }
}
