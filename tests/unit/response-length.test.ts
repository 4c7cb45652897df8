import { describe, expect, it } from "vitest";
import { BRIEF_MAX, BRIEF_MIN, DEFAULT_LIMIT, DETAILED_LIMIT, responseTokenLimit } from "../../lib/chat/response-length";

describe("responseTokenLimit", () => {
  it.each([
    "Explain in detail how TLS handshakes work",
    "Give me a step-by-step guide to set up PostgreSQL replication",
    "step by step, how do I bake bread?",
    "Write a comprehensive overview of the French Revolution",
    "Can you go in-depth on B-trees?",
  ])("allows 2048 tokens for a request for depth: %s", (text) => {
    expect(responseTokenLimit(text)).toBe(DETAILED_LIMIT);
  });

  it("gives a short question the smallest budget", () => {
    expect(responseTokenLimit("What is 2+2?")).toBe(BRIEF_MIN);
    expect(responseTokenLimit("Who wrote Hamlet?")).toBe(BRIEF_MIN);
  });

  it("grows the budget of a brief question with its length, within 96-240", () => {
    const short = responseTokenLimit("Why is the sky blue?");
    const longer = responseTokenLimit(
      "Why is the sky blue during the day but red and orange at sunset when the sun is low on the horizon?",
    );
    expect(longer).toBeGreaterThan(short);
    for (const limit of [short, longer]) {
      expect(limit).toBeGreaterThanOrEqual(BRIEF_MIN);
      expect(limit).toBeLessThanOrEqual(BRIEF_MAX);
    }
    const veryLong = `How ${"really ".repeat(25)}does it work?`;
    expect(responseTokenLimit(veryLong)).toBeLessThanOrEqual(BRIEF_MAX);
  });

  it("does not treat a request for work as a brief question", () => {
    expect(responseTokenLimit("Can you write a Python function that parses CSV?")).toBe(DEFAULT_LIMIT);
    expect(responseTokenLimit("Summarize this article for me")).toBe(DEFAULT_LIMIT);
  });

  it("is case-insensitive", () => {
    expect(responseTokenLimit("EXPLAIN IN DETAIL why")).toBe(DETAILED_LIMIT);
  });
});
