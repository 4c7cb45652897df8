/**
 * Keeps the model's citation markers honest while the answer streams: `[n]`
 * stays only when passage n was given to the model; any other marker is
 * dropped. Groups like "[1, 3]" become "[1][3]". Code (fenced or inline) is
 * passed through untouched, so `items[2]` in a snippet is never mistaken for
 * a citation. A marker split across deltas is held back until it is complete,
 * and so are spaces before a possible marker: a dropped marker takes its
 * space with it ("in 1822 [7]." becomes "in 1822.").
 */
export class CitationFilter {
  readonly cited = new Set<number>();
  private pending = "";
  private output = "";
  private fence = false;
  private inlineCode = false;
  private previous = "";
  /** Spaces not shown yet: they go if the marker after them is dropped and punctuation follows. */
  private held = "";
  private afterDrop = false;

  constructor(private readonly passageCount: number) {}

  /** Feeds a delta; returns the text that can be shown now. */
  push(delta: string): string {
    this.pending += delta;
    let shown = "";
    let i = 0;
    const text = this.pending;
    const show = (visible: string) => {
      if (this.afterDrop && /^[.,;:!?)]/.test(visible)) this.held = "";
      shown += this.held + visible;
      this.held = "";
      this.afterDrop = false;
    };
    while (i < text.length) {
      const ch = text[i]!;
      if (ch === " " || ch === "\t") {
        if (!this.afterDrop && !this.fence) this.held += ch;
        else if (this.fence) show(ch);
        this.previous = ch;
        i++;
        continue;
      }
      if (ch === "`") {
        const run = /^`+/.exec(text.slice(i))![0];
        if (i + run.length === text.length && run.length < 3) break; // may grow into a fence
        if (run.length >= 3) this.fence = !this.fence;
        else if (!this.fence) this.inlineCode = !this.inlineCode;
        show(run);
        i += run.length;
        this.previous = "`";
        continue;
      }
      if (ch === "[" && !this.fence && !this.inlineCode && !/[\w\]]/.test(this.previous)) {
        const rest = text.slice(i);
        const complete = /^\[(\s*\d{1,3}(?:\s*[,;]\s*\d{1,3})*\s*)\]/.exec(rest);
        if (complete) {
          const kept = this.markers(complete[1]!);
          if (kept) show(kept);
          else this.afterDrop = true;
          i += complete[0].length;
          this.previous = "]";
          continue;
        }
        if (/^\[[\d\s,;]{0,24}$/.test(rest)) break; // an unfinished marker: wait for more
      }
      show(ch);
      this.previous = ch;
      i++;
    }
    this.pending = text.slice(i);
    this.output += shown;
    return shown;
  }

  /** The end of the answer: whatever was held back is shown as it is. */
  flush(): string {
    const rest = (this.afterDrop ? "" : this.held) + this.pending;
    this.pending = "";
    this.held = "";
    this.output += rest;
    return rest;
  }

  /** Everything shown so far (what is stored as the answer). */
  get text(): string {
    return this.output;
  }

  private markers(list: string): string {
    return list
      .split(/[,;]/)
      .map((part) => Number(part.trim()))
      .filter((n) => Number.isInteger(n) && n >= 1 && n <= this.passageCount)
      .map((n) => {
        this.cited.add(n);
        return `[${n}]`;
      })
      .join("");
  }
}
