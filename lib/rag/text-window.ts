export interface TextWindow {
  /** The text shown: the whole document, or the passage with context around it. */
  text: string;
  /** Offset of `text` in the document. */
  offset: number;
  /** The passage within `text` (relative offsets), when one was asked for. */
  highlight?: { start: number; end: number };
  /** Page of the window's first character (PDFs). */
  page?: number;
  totalLength: number;
}

/** Cuts a window out of a document's text around [start, end), snapped to whitespace. */
export function textWindow(
  document: { text: string; pageStarts: number[] },
  query: { start?: number; end?: number; around: number },
): TextWindow {
  const { text } = document;
  if (query.start === undefined || query.end === undefined) {
    return { text, offset: 0, totalLength: text.length, ...pageAt(document.pageStarts, 0) };
  }
  const start = Math.min(query.start, text.length);
  const end = Math.min(Math.max(query.end, start), text.length);
  let from = Math.max(0, start - query.around);
  let to = Math.min(text.length, end + query.around);
  if (from > 0) from = snap(text, from, 1, start);
  if (to < text.length) to = snap(text, to, -1, end);
  return {
    text: text.slice(from, to),
    offset: from,
    highlight: { start: start - from, end: end - from },
    totalLength: text.length,
    ...pageAt(document.pageStarts, from),
  };
}

/** Moves `at` toward `limit` to the nearest whitespace, so words are not cut. */
function snap(text: string, at: number, step: 1 | -1, limit: number): number {
  for (let i = at; step > 0 ? i < limit : i > limit; i += step) {
    if (/\s/.test(text[i]!)) return step > 0 ? i + 1 : i;
  }
  return at;
}

function pageAt(pageStarts: number[], offset: number): { page?: number } {
  if (pageStarts.length === 0) return {};
  let page = 1;
  pageStarts.forEach((start, i) => {
    if (start <= offset) page = i + 1;
  });
  return { page };
}
