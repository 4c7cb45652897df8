import { describe, expect, it } from "vitest";
import { splitAtPhraseBoundary } from "../../lib/chat/phrases";

describe("splitAtPhraseBoundary", () => {
  it("holds back an unfinished first phrase", () => {
    expect(splitAtPhraseBoundary("The answer is")).toEqual({ settled: "", pending: "The answer is" });
  });

  it("settles through the last sentence end", () => {
    expect(splitAtPhraseBoundary("First one. Second one! Third")).toEqual({
      settled: "First one. Second one!",
      pending: " Third",
    });
  });

  it("treats a newline as a boundary and keeps decimals whole", () => {
    expect(splitAtPhraseBoundary("Pi is 3.14")).toEqual({ settled: "", pending: "Pi is 3.14" });
    expect(splitAtPhraseBoundary("- item one\n- item")).toEqual({ settled: "- item one\n", pending: "- item" });
  });

  it("a punctuation mark at the very end waits for the next token", () => {
    // "e.g." mid-stream must not be announced as a sentence end yet.
    expect(splitAtPhraseBoundary("Fruit, e.g.").settled).toBe("");
  });
});
