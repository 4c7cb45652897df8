import { describe, expect, it } from "vitest";
import { estimateTokens, fitHistory, systemPrompt, type HistoryMessage } from "../../lib/chat/context";

const message = (seq: number, chars: number): HistoryMessage => ({
  seq,
  role: seq % 2 ? "user" : "assistant",
  text: "x".repeat(chars),
});

describe("fitHistory", () => {
  it("keeps everything when it fits", () => {
    const history = [message(1, 40), message(2, 40), message(3, 40)];
    expect(fitHistory(history, 1000)).toEqual({ kept: history, dropped: [] });
  });

  it("drops the oldest messages first and keeps the order", () => {
    const history = [1, 2, 3, 4, 5].map((seq) => message(seq, 400)); // ~104 tokens each
    const { kept, dropped } = fitHistory(history, 250);
    expect(kept.map((m) => m.seq)).toEqual([4, 5]);
    expect(dropped.map((m) => m.seq)).toEqual([1, 2, 3]);
  });

  it("always keeps the newest message, even over budget", () => {
    const history = [message(1, 40), message(2, 10_000)];
    const { kept, dropped } = fitHistory(history, 100);
    expect(kept.map((m) => m.seq)).toEqual([2]);
    expect(dropped.map((m) => m.seq)).toEqual([1]);
  });

  it("never keeps an older message after dropping a newer one", () => {
    const history = [message(1, 4), message(2, 2000), message(3, 4)];
    const { kept } = fitHistory(history, 50);
    expect(kept.map((m) => m.seq)).toEqual([3]);
  });
});

describe("estimateTokens", () => {
  it("grows with the text", () => {
    expect(estimateTokens("a".repeat(400))).toBeGreaterThan(estimateTokens("a".repeat(40)));
    expect(estimateTokens("")).toBeGreaterThan(0);
  });
});

describe("systemPrompt", () => {
  it("adds the running summary when there is one", () => {
    expect(systemPrompt("Base.", null)).toBe("Base.");
    const withSummary = systemPrompt("Base.", "The user is Ada and wants a budget.");
    expect(withSummary).toContain("Base.");
    expect(withSummary).toContain("The user is Ada and wants a budget.");
  });
});
