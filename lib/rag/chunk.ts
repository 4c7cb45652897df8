import { estimateTokens } from "../chat/context";

/** Extracted text of a document; `pages` gives each page's character range (PDFs). */
export interface ExtractedDocument {
  text: string;
  pages?: Array<{ page: number; start: number; end: number }>;
}

export interface Chunk {
  /** Exactly `document.text.slice(start, end)`: a passage can always be shown in context. */
  text: string;
  start: number;
  end: number;
  /** Headings the passage sits under, outermost first. */
  headingPath: string[];
  page?: number;
  pageEnd?: number;
  tokens: number;
}

export interface ChunkOptions {
  maxTokens?: number;
  overlapTokens?: number;
  countTokens?: (text: string) => number;
}

interface Segment {
  start: number;
  end: number;
  section: number;
}

const HEADING = /^(#{1,6})[ \t]+(.+?)[ \t]*#*[ \t]*$/;

/**
 * Splits a document into passages for retrieval, following its structure:
 * Markdown headings start new sections (a passage never spans two), paragraphs
 * and sentences are kept whole when they fit, and passages are sized in tokens
 * with an overlap of whole sentences between neighbours in a section.
 */
export function chunkDocument(document: ExtractedDocument, options: ChunkOptions = {}): Chunk[] {
  const maxTokens = options.maxTokens ?? 300;
  const overlapTokens = options.overlapTokens ?? 50;
  const count = options.countTokens ?? estimateTokens;
  const { segments, headingPaths } = segment(document.text, count, maxTokens);

  const chunks: Chunk[] = [];
  let current: Segment[] = [];
  const flush = () => {
    if (current.length === 0) return;
    const start = current[0]!.start;
    const end = current.at(-1)!.end;
    const text = document.text.slice(start, end);
    chunks.push({
      text,
      start,
      end,
      headingPath: headingPaths[current[0]!.section] ?? [],
      ...pageRange(document, start, end),
      tokens: count(text),
    });
  };
  const cost = (segments: Segment[]) =>
    segments.length === 0 ? 0 : count(document.text.slice(segments[0]!.start, segments.at(-1)!.end));

  for (const next of segments) {
    const sameSection = current.length > 0 && current[0]!.section === next.section;
    if (sameSection && cost([...current, next]) <= maxTokens) {
      current.push(next);
      continue;
    }
    flush();
    // Carry whole trailing sentences of the previous passage, within the overlap budget.
    const carried: Segment[] = [];
    if (sameSection) {
      for (let i = current.length - 1; i >= 0; i--) {
        const candidate = [current[i]!, ...carried];
        if (cost(candidate) > overlapTokens || cost([...candidate, next]) > maxTokens) break;
        carried.unshift(current[i]!);
      }
    }
    current = [...carried, next];
  }
  flush();
  return chunks;
}

/** Sentences (or pieces of over-long ones), each tagged with its heading section. */
function segment(text: string, count: (text: string) => number, maxTokens: number) {
  const segments: Segment[] = [];
  const headingPaths: string[][] = [[]];
  const path: Array<{ level: number; title: string }> = [];
  let section = 0;
  let offset = 0;
  for (const line of text.split("\n")) {
    const lineStart = offset;
    offset += line.length + 1;
    const heading = HEADING.exec(line);
    if (heading) {
      const level = heading[1]!.length;
      while (path.length > 0 && path.at(-1)!.level >= level) path.pop();
      path.push({ level, title: heading[2]! });
      headingPaths.push(path.map((h) => h.title));
      section = headingPaths.length - 1;
    }
    for (const sentence of sentences(line, lineStart)) {
      for (const piece of fit(text, sentence, count, maxTokens)) segments.push({ ...piece, section });
    }
  }
  return { segments, headingPaths };
}

/**
 * Sentence spans of one line (absolute offsets), without surrounding white
 * space. A sentence ends at . ! or ? followed by white space or the line's end,
 * so every character of the line lands in exactly one span.
 */
function sentences(line: string, lineStart: number): Array<{ start: number; end: number }> {
  const spans: Array<{ start: number; end: number }> = [];
  const push = (from: number, to: number) => {
    const piece = line.slice(from, to);
    const lead = piece.length - piece.trimStart().length;
    const trimmed = piece.trim();
    if (trimmed) spans.push({ start: lineStart + from + lead, end: lineStart + from + lead + trimmed.length });
  };
  const ends = /[.!?]+(?=\s|$)/g;
  let from = 0;
  for (let match = ends.exec(line); match; match = ends.exec(line)) {
    push(from, match.index + match[0].length);
    from = match.index + match[0].length;
  }
  push(from, line.length);
  return mergeAbbreviations(spans, line, lineStart);
}

/** "e.g. this" and "3.5 kg" must not end a sentence: re-join pieces split inside a word. */
function mergeAbbreviations(spans: Array<{ start: number; end: number }>, line: string, lineStart: number) {
  const merged: Array<{ start: number; end: number }> = [];
  for (const span of spans) {
    const previous = merged.at(-1);
    const gap = previous ? line.slice(previous.end - lineStart, span.start - lineStart) : "";
    const startsLower = /^[a-z0-9]/.test(line.slice(span.start - lineStart));
    if (previous && (gap === "" || startsLower)) previous.end = span.end;
    else merged.push({ ...span });
  }
  return merged;
}

/** Splits a sentence that alone exceeds the budget at word boundaries. */
function fit(text: string, span: { start: number; end: number }, count: (text: string) => number, maxTokens: number) {
  if (count(text.slice(span.start, span.end)) <= maxTokens) return [span];
  const pieces: Array<{ start: number; end: number }> = [];
  const words = /\S+/g;
  words.lastIndex = 0;
  const sentence = text.slice(span.start, span.end);
  let pieceStart = -1;
  let pieceEnd = -1;
  for (let match = words.exec(sentence); match; match = words.exec(sentence)) {
    const start = span.start + match.index;
    const end = start + match[0].length;
    if (pieceStart >= 0 && count(text.slice(pieceStart, end)) > maxTokens) {
      pieces.push({ start: pieceStart, end: pieceEnd });
      pieceStart = -1;
    }
    if (pieceStart < 0) pieceStart = start;
    pieceEnd = end;
  }
  if (pieceStart >= 0) pieces.push({ start: pieceStart, end: pieceEnd });
  return pieces;
}

function pageRange(document: ExtractedDocument, start: number, end: number) {
  if (!document.pages?.length) return {};
  const pageAt = (offset: number) =>
    document.pages!.find((p) => offset >= p.start && offset < p.end)?.page ?? document.pages!.at(-1)!.page;
  return { page: pageAt(start), pageEnd: pageAt(Math.max(start, end - 1)) };
}
