import { describe, expect, it } from "vitest";
import { finishedSentences, MAX_SENTENCE_CHARS, speakableText, splitSentences } from "../../lib/speech/sentences";

describe("sentences to speak", () => {
  it("splits at sentence ends, keeps abbreviations and numbers, joins short pieces", () => {
    expect(splitSentences("Paris is the capital of France. It has 2.1 million people, e.g. in 2020! Really? Yes.")).toEqual([
      "Paris is the capital of France.",
      // "Really?" and "Yes." are too short alone: they join the sentence before.
      "It has 2.1 million people, e.g. in 2020! Really? Yes.",
    ]);
    expect(splitSentences("   ")).toEqual([]);
    expect(splitSentences("no end punctuation here")).toEqual(["no end punctuation here"]);
  });

  it("cuts a sentence longer than the limit at a comma or a space, losing no words", () => {
    const long = Array.from({ length: 120 }, (_, i) => `word${i}`).join(" ") + ", and the end.";
    const pieces = splitSentences(long);
    expect(pieces.length).toBeGreaterThan(1);
    expect(pieces.every((p) => p.length <= MAX_SENTENCE_CHARS)).toBe(true);
    expect(pieces.join(" ")).toBe(long);
  });

  it("reads Markdown as a listener should hear it", () => {
    const text = speakableText(
      "## Setup\n\nRun **this** [command](https://x.test) [1]:\n\n```bash\nrm -rf /\n```\n\n- first item\n- second `item`\n\n> quoted",
    );
    expect(text).toBe("Setup. Run this command: first item. second item. quoted");
  });

  it("finds the finished sentences of a streaming answer, holding back open code blocks", () => {
    expect(finishedSentences("One sentence. Another one is still go")).toEqual({ done: "One sentence. ", rest: "Another one is still go" });
    expect(finishedSentences("No end yet")).toEqual({ done: "", rest: "No end yet" });
    expect(finishedSentences("Look. ```js\nx. y. z")).toEqual({ done: "Look. ", rest: "```js\nx. y. z" });
  });
});
