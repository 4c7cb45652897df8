import { describe, expect, it } from "vitest";
import { CitationFilter } from "../../lib/chat/citations";

/** Feeds `text` one character at a time, the worst split a stream can make. */
function filterByChar(text: string, passages: number) {
  const filter = new CitationFilter(passages);
  let shown = "";
  for (const ch of text) shown += filter.push(ch);
  shown += filter.flush();
  return { shown, cited: [...filter.cited].sort() };
}

describe("citation markers", () => {
  it("keeps markers of given passages and drops the others, however the stream splits them", () => {
    const text = "Fresnel made it [1]. Others [4] disagree [2].";
    for (const feed of [(t: string) => filterByChar(t, 2)]) {
      expect(feed(text)).toEqual({ shown: "Fresnel made it [1]. Others disagree [2].", cited: [1, 2] });
    }
    const whole = new CitationFilter(2);
    expect(whole.push(text) + whole.flush()).toBe("Fresnel made it [1]. Others disagree [2].");
  });

  it("splits grouped markers and keeps only valid members", () => {
    expect(filterByChar("See [1, 3; 2].", 2)).toEqual({ shown: "See [1][2].", cited: [1, 2] });
  });

  it("leaves code, links and ordinary brackets alone", () => {
    const text = "Use `items[2]` or\n```\nx = a[3]\n```\nand [the docs](http://x) and arr[1] and [a] [1]";
    expect(filterByChar(text, 1).shown).toBe(text);
  });

  it("drops every marker when no passage was given", () => {
    expect(filterByChar("No sources [1] here [12].", 0)).toEqual({ shown: "No sources here.", cited: [] });
  });

  it("gives back an unfinished marker at the end unchanged", () => {
    expect(filterByChar("cut off [1", 3).shown).toBe("cut off [1");
  });
});

describe("spacing around dropped markers", () => {
  it("keeps spaces in code blocks and between words exactly", () => {
    const text = "Indent:\n```\n    x  =  [1]\n```\nTwo  spaces stay.  ";
    expect(filterByChar(text, 0).shown).toBe(text);
  });
});
