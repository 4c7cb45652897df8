/**
 * What gets spoken, and in which pieces. Used on both sides: the server
 * synthesizes sentence by sentence (the first is heard while the rest are
 * made), and the browser's read-aloud mode sends an answer's sentences as
 * they finish streaming. Pure functions: no Node or browser APIs.
 */

/** Longest piece synthesized at once; longer sentences are cut at a comma or a space. */
export const MAX_SENTENCE_CHARS = 280;
/** Shorter pieces are joined to the next one ("Yes." alone sounds clipped and costs a round trip). */
const MIN_SENTENCE_CHARS = 24;

/**
 * Markdown as a listener should hear it: code blocks are skipped (read out,
 * they are noise), links keep their words, images and citation markers go,
 * emphasis, headings and list markers lose their symbols.
 */
export function speakableText(markdown: string): string {
  return (
    markdown
      .replace(/```[\s\S]*?(```|$)/g, "\n")
      .replace(/!\[[^\]]*\]\([^)]*\)/g, "")
      .replace(/\[([^\]]+)\]\([^)]*\)/g, "$1")
      .replace(/\s?\[\d+\](?!\()/g, "")
      .replace(/`([^`]*)`/g, "$1")
      .replace(/^\s{0,3}#{1,6}\s+(.*)$/gm, "$1.")
      .replace(/^\s*(?:[-*+]|\d+[.)])\s+/gm, "")
      .replace(/^\s*>\s?/gm, "")
      .replace(/^\s*\|?(?:\s*:?-{3,}:?\s*\|)+\s*$/gm, "")
      .replace(/\|/g, ", ")
      .replace(/(\*\*|__|\*|_|~~)(?=\S)([\s\S]*?\S)\1/g, "$2")
      .replace(/<[^>]+>/g, "")
      // A line without end punctuation (a heading, a list item) still ends a sentence.
      .replace(/([^\s.!?:;,])[ \t]*\n/g, "$1.\n")
      .replace(/\s+/g, " ")
      .trim()
  );
}

/** Sentence ends: . ! ? … (and CJK 。！？) followed by space or the end. Not "e.g." or "3.14". */
const SENTENCE_END = /(?<!\b(?:e\.g|i\.e|etc|vs|Mr|Mrs|Ms|Dr|Prof|St|No|cf))(?<!\b[A-Z])[.!?…]+["')\]]*(?=\s|$)|[。！？]/g;

/** Splits plain text into pieces to synthesize, in order; joined with spaces they give the text back. */
export function splitSentences(text: string): string[] {
  const clean = text.replace(/\s+/g, " ").trim();
  if (!clean) return [];
  const raw: string[] = [];
  let start = 0;
  for (const match of clean.matchAll(SENTENCE_END)) {
    const end = match.index + match[0].length;
    raw.push(clean.slice(start, end).trim());
    start = end;
  }
  if (start < clean.length) raw.push(clean.slice(start).trim());
  const pieces = raw.filter(Boolean).flatMap(cutLong);
  // Join short pieces to the next one.
  const out: string[] = [];
  let carry = "";
  for (const piece of pieces) {
    const joined = carry ? `${carry} ${piece}` : piece;
    if (joined.length < MIN_SENTENCE_CHARS && joined.length + 1 <= MAX_SENTENCE_CHARS) carry = joined;
    else {
      out.push(joined);
      carry = "";
    }
  }
  if (carry) {
    if (out.length > 0 && out[out.length - 1]!.length + carry.length + 1 <= MAX_SENTENCE_CHARS) out[out.length - 1] += ` ${carry}`;
    else out.push(carry);
  }
  return out;
}

function cutLong(sentence: string): string[] {
  const out: string[] = [];
  let rest = sentence;
  while (rest.length > MAX_SENTENCE_CHARS) {
    const window = rest.slice(0, MAX_SENTENCE_CHARS);
    const comma = Math.max(window.lastIndexOf(", "), window.lastIndexOf("; "), window.lastIndexOf(": "));
    const space = window.lastIndexOf(" ");
    const cut = comma > MAX_SENTENCE_CHARS / 3 ? comma + 1 : space > 0 ? space : MAX_SENTENCE_CHARS;
    out.push(rest.slice(0, cut).trim());
    rest = rest.slice(cut).trim();
  }
  if (rest) out.push(rest);
  return out;
}

/**
 * For text still streaming: the sentences that are finished (a sentence end
 * followed by more text) and the unfinished tail. Code blocks still open are
 * held back whole.
 */
export function finishedSentences(markdown: string): { done: string; rest: string } {
  const fences = markdown.match(/```/g)?.length ?? 0;
  const open = fences % 2 === 1 ? markdown.lastIndexOf("```") : markdown.length;
  const upTo = markdown.slice(0, open);
  const pattern = /[.!?…]+["')\]]*\s|[。！？]|\n\n/g;
  let end = -1;
  for (let match = pattern.exec(upTo); match; match = pattern.exec(upTo)) end = match.index + match[0].length;
  return end < 0 ? { done: "", rest: markdown } : { done: markdown.slice(0, end), rest: markdown.slice(end) };
}
