import { expect, type Locator, type Page } from "@playwright/test";

export interface AudioProbe {
  time: number;
  contextState: string;
  level: number;
  scheduledUntil: number;
}

/** The speaker control of one answer (components/chat/speaker-button.tsx) and the page's player. */
export class Speaker {
  readonly root: Locator;
  readonly listen: Locator;
  readonly pause: Locator;
  readonly resume: Locator;
  readonly stop: Locator;
  readonly loading: Locator;

  constructor(
    readonly page: Page,
    answer: Locator,
  ) {
    this.root = answer.getByTestId("speaker");
    this.listen = this.root.getByRole("button", { name: "Read aloud" });
    this.pause = this.root.getByRole("button", { name: "Pause" });
    this.resume = this.root.getByRole("button", { name: "Resume" });
    this.stop = this.root.getByRole("button", { name: "Stop reading" });
    this.loading = this.root.getByRole("button", { name: /Loading audio/ });
  }

  async expectState(state: "idle" | "loading" | "playing" | "paused", timeout?: number) {
    await expect(this.root).toHaveAttribute("data-state", state, { timeout });
  }

  /** The Web Audio clock (advances only while audio plays) and the output's loudness. */
  probe(): Promise<AudioProbe> {
    return this.page.evaluate(() => (window as unknown as { __parleySpeech: { probe(): AudioProbe } }).__parleySpeech.probe());
  }

  /** Milliseconds from the last play request to its first scheduled audio (null: none yet). */
  firstAudioMs(): Promise<number | null> {
    return this.page.evaluate(() => {
      const t = (window as unknown as { __parleySpeech: { timing: { requestedAt: number; firstAudioAt: number | null } } }).__parleySpeech.timing;
      return t.firstAudioAt === null ? null : t.firstAudioAt - t.requestedAt;
    });
  }

  /** Sound is coming out: the clock moves and the output is not silent. */
  async expectSounding() {
    const before = await this.probe();
    await this.page.waitForTimeout(300);
    const after = await this.probe();
    expect(after.contextState).toBe("running");
    expect(after.time - before.time).toBeGreaterThan(0.15);
    await expect.poll(async () => (await this.probe()).level, { timeout: 2_000 }).toBeGreaterThan(0.01);
  }

  async expectSilentClock() {
    const before = await this.probe();
    await this.page.waitForTimeout(300);
    const after = await this.probe();
    expect(after.contextState).toBe("suspended");
    expect(after.time - before.time).toBeLessThan(0.02);
  }
}
