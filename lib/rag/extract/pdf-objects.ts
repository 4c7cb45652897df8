/**
 * Just enough of the PDF syntax to find a file's objects and streams without
 * decoding anything: every "N G obj" in the bytes (as pdfjs itself does when
 * it rebuilds a broken cross-reference table), each object's value, and where
 * each stream's data lies. Used by the expansion check in pdf-limits.ts, which
 * must see every stream pdfjs could read, whatever the xref claims.
 */

export type PdfValue =
  | { type: "number"; value: number }
  | { type: "name"; value: string }
  | { type: "ref"; num: number }
  | { type: "array"; items: PdfValue[] }
  | { type: "dict"; entries: Map<string, PdfValue> }
  /** Strings, booleans, null and keywords: nothing the check needs to read. */
  | { type: "other"; keyword?: string };

export interface PdfObject {
  num: number;
  value: PdfValue;
}

export interface PdfStream {
  num: number;
  dict: Map<string, PdfValue>;
  data: Uint8Array;
}

const OTHER: PdfValue = { type: "other" };
/** Deeper nesting than this is no real document; the parser stops there instead of exhausting the stack. */
const MAX_DEPTH = 64;

const WHITESPACE = new Set([0x00, 0x09, 0x0a, 0x0c, 0x0d, 0x20]);
// ( ) < > [ ] { } / %
const DELIMITERS = new Set([0x28, 0x29, 0x3c, 0x3e, 0x5b, 0x5d, 0x7b, 0x7d, 0x2f, 0x25]);

function regular(byte: number | undefined): boolean {
  return byte !== undefined && !WHITESPACE.has(byte) && !DELIMITERS.has(byte);
}

/** A keyword that ends an object: a value that runs into one is damaged. */
function breaksObject(value: PdfValue): boolean {
  return value.type === "other" && value.keyword !== undefined && /^(endobj|stream|obj)$/.test(value.keyword);
}

/**
 * Reads one PDF value at a time from `bytes`, starting at `at` and never
 * reading at or past `end` (the next object's header): a damaged object costs
 * at most its own bytes, so the whole scan stays linear in the file size.
 */
export class PdfParser {
  at: number;
  private readonly bytes: Uint8Array;

  constructor(bytes: Uint8Array, at = 0, end = bytes.length) {
    this.bytes = bytes.subarray(0, Math.min(end, bytes.length));
    this.at = at;
  }

  skipSpace(): void {
    const { bytes } = this;
    while (this.at < bytes.length) {
      const byte = bytes[this.at]!;
      if (WHITESPACE.has(byte)) this.at++;
      else if (byte === 0x25) {
        while (this.at < bytes.length && bytes[this.at] !== 0x0a && bytes[this.at] !== 0x0d) this.at++;
      } else return;
    }
  }

  value(depth = 0): PdfValue {
    if (depth > MAX_DEPTH) throw new Error("nested too deeply");
    this.skipSpace();
    const { bytes } = this;
    const byte = bytes[this.at];
    if (byte === undefined) throw new Error("unexpected end");
    if (byte === 0x3c && bytes[this.at + 1] === 0x3c) return this.dict(depth);
    if (byte === 0x3c) return this.skipPast(0x3e);
    if (byte === 0x28) return this.literalString();
    if (byte === 0x5b) return this.array(depth);
    if (byte === 0x2f) return { type: "name", value: this.name() };
    if ((byte >= 0x30 && byte <= 0x39) || byte === 0x2b || byte === 0x2d || byte === 0x2e) return this.numberOrRef();
    const word = this.word();
    if (word === "") {
      this.at++; // A stray delimiter (">", "]", ")", "{", "}").
      return OTHER;
    }
    return { type: "other", keyword: word };
  }

  private dict(depth: number): PdfValue {
    this.at += 2;
    const entries = new Map<string, PdfValue>();
    for (;;) {
      this.skipSpace();
      if (this.at >= this.bytes.length) throw new Error("unterminated dictionary");
      if (this.bytes[this.at] === 0x3e && this.bytes[this.at + 1] === 0x3e) {
        this.at += 2;
        return { type: "dict", entries };
      }
      const key = this.value(depth + 1);
      if (breaksObject(key)) throw new Error("broken dictionary");
      if (key.type !== "name") continue;
      const value = this.value(depth + 1);
      if (breaksObject(value)) throw new Error("broken dictionary");
      entries.set(key.value, value);
    }
  }

  private array(depth: number): PdfValue {
    this.at++;
    const items: PdfValue[] = [];
    for (;;) {
      this.skipSpace();
      if (this.at >= this.bytes.length) throw new Error("unterminated array");
      if (this.bytes[this.at] === 0x5d) {
        this.at++;
        return { type: "array", items };
      }
      const item = this.value(depth + 1);
      if (breaksObject(item)) throw new Error("broken array");
      items.push(item);
    }
  }

  private name(): string {
    const start = ++this.at;
    while (regular(this.bytes[this.at])) this.at++;
    const raw = latin1(this.bytes.subarray(start, this.at));
    return raw.replace(/#([0-9a-fA-F]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
  }

  private word(): string {
    const start = this.at;
    while (regular(this.bytes[this.at])) this.at++;
    return latin1(this.bytes.subarray(start, this.at));
  }

  /** "12", "-3.5", or "12 0 R" (a reference). */
  private numberOrRef(): PdfValue {
    const first = this.word();
    const value = Number(first);
    if (!/^\d+$/.test(first)) return Number.isFinite(value) ? { type: "number", value } : OTHER;
    const saved = this.at;
    this.skipSpace();
    const gen = this.word();
    if (/^\d+$/.test(gen)) {
      this.skipSpace();
      if (this.bytes[this.at] === 0x52 && !regular(this.bytes[this.at + 1])) {
        this.at++;
        return { type: "ref", num: value };
      }
    }
    this.at = saved;
    return { type: "number", value };
  }

  private literalString(): PdfValue {
    const { bytes } = this;
    let depth = 0;
    while (this.at < bytes.length) {
      const byte = bytes[this.at++]!;
      if (byte === 0x5c) this.at++;
      else if (byte === 0x28) depth++;
      else if (byte === 0x29 && --depth === 0) return OTHER;
    }
    throw new Error("unterminated string");
  }

  private skipPast(end: number): PdfValue {
    const found = this.bytes.indexOf(end, this.at);
    if (found < 0) throw new Error("unterminated hex string");
    this.at = found + 1;
    return OTHER;
  }
}

export function latin1(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("latin1");
}

export interface PdfFile {
  /** Objects by number; a later definition (an incremental update) replaces an earlier one. */
  objects: Map<number, PdfValue>;
  /** Every stream in the file, in file order, including superseded versions. */
  streams: PdfStream[];
  /** Trailer dictionaries (classic trailers and cross-reference stream dictionaries). */
  trailers: Array<Map<string, PdfValue>>;
}

const OBJECT_HEADER = /(\d+)\s+\d+\s+obj\b/g;
/** "endstream" may follow a stream's /Length after an end-of-line and a little whitespace. */
const ENDSTREAM_SLACK = 16;

/**
 * Every "N G obj" in the file with its value, and every stream with its data.
 * A stream's /Length is trusted only when "endstream" follows it, as pdfjs
 * does; otherwise its data runs to the next "endstream". Objects that do not
 * parse are skipped: the check bounds what pdfjs would read, it is not a reader.
 */
export function readPdfObjects(bytes: Uint8Array): PdfFile {
  const text = latin1(bytes);
  const headers = [...text.matchAll(OBJECT_HEADER)].map((match) => ({ num: Number(match[1]), body: match.index + match[0].length, at: match.index }));
  const endstreams = [...text.matchAll(/endstream/g)].map((match) => match.index);
  const objects = new Map<number, PdfValue>();
  const pending: Array<{ num: number; dict: Map<string, PdfValue>; start: number }> = [];
  const trailers: Array<Map<string, PdfValue>> = [];
  headers.forEach(({ num, body }, i) => {
    const parser = new PdfParser(bytes, body, headers[i + 1]?.at ?? bytes.length);
    let value: PdfValue;
    try {
      value = parser.value();
    } catch {
      return;
    }
    objects.set(num, value);
    if (value.type !== "dict") return;
    parser.skipSpace();
    if (!text.startsWith("stream", parser.at)) return;
    let start = parser.at + "stream".length;
    if (bytes[start] === 0x0d) start++;
    if (bytes[start] === 0x0a) start++;
    pending.push({ num, dict: value.entries, start });
    if (nameOf(value.entries.get("Type")) === "XRef") trailers.push(value.entries);
  });
  for (const match of text.matchAll(/trailer\s*<</g)) {
    try {
      const trailer = new PdfParser(bytes, match.index + match[0].length - 2).value();
      if (trailer.type === "dict") trailers.push(trailer.entries);
    } catch {
      // A damaged trailer: pdfjs falls back to scanning too.
    }
  }
  const streams = pending.map(({ num, dict, start }) => {
    const length = resolve(objects, dict.get("Length"));
    let end = -1;
    if (length?.type === "number" && length.value >= 0 && start + length.value <= bytes.length) {
      const after = start + length.value;
      const next = endstreams[firstAtOrAfter(endstreams, after)];
      if (next !== undefined && next - after <= ENDSTREAM_SLACK && text.slice(after, next).trim() === "") end = after;
    }
    if (end < 0) end = endstreams[firstAtOrAfter(endstreams, start)] ?? bytes.length;
    return { num, dict, data: bytes.subarray(start, end) };
  });
  return { objects, streams, trailers };
}

/** Index of the first sorted position >= `at` (binary search). */
function firstAtOrAfter(sorted: number[], at: number): number {
  let low = 0;
  let high = sorted.length;
  while (low < high) {
    const mid = (low + high) >> 1;
    if (sorted[mid]! < at) low = mid + 1;
    else high = mid;
  }
  return low;
}

/** Follows a reference (one level at a time, a few levels at most) to its value. */
export function resolve(objects: Map<number, PdfValue>, value: PdfValue | undefined): PdfValue | undefined {
  for (let hops = 0; value?.type === "ref" && hops < 8; hops++) value = objects.get(value.num);
  return value?.type === "ref" ? undefined : value;
}

export function nameOf(value: PdfValue | undefined): string | undefined {
  return value?.type === "name" ? value.value : undefined;
}

/** The objects packed in an object stream (/Type /ObjStm), given its decoded bytes. */
export function readObjectStream(dict: Map<string, PdfValue>, decoded: Uint8Array, objects: Map<number, PdfValue>): PdfObject[] {
  const count = resolve(objects, dict.get("N"));
  const first = resolve(objects, dict.get("First"));
  if (count?.type !== "number" || first?.type !== "number" || first.value > decoded.length) return [];
  const header = new PdfParser(decoded, 0, first.value);
  const entries: Array<{ num: number; offset: number }> = [];
  for (let i = 0; i < count.value; i++) {
    try {
      const num = header.value();
      const offset = header.value();
      if (num.type !== "number" || offset.type !== "number") break;
      entries.push({ num: num.value, offset: first.value + offset.value });
    } catch {
      break;
    }
  }
  const ends = entries.map((entry) => entry.offset).sort((a, b) => a - b);
  const found: PdfObject[] = [];
  for (const { num, offset } of entries) {
    const end = ends[firstAtOrAfter(ends, offset + 1)] ?? decoded.length;
    try {
      found.push({ num, value: new PdfParser(decoded, offset, end).value() });
    } catch {
      // Skip a damaged entry.
    }
  }
  return found;
}
