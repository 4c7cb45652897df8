import { constants, createInflateRaw } from "node:zlib";

/**
 * The PDF stream filters that can expand data, decoded with a hard output
 * cap: decoding stops as soon as the output would pass `cap` bytes, so a
 * stream that inflates to gigabytes costs no more than `cap` (plus one zlib
 * chunk) to judge. Image-only filters (DCT, JPX, JBIG2, CCITT) are not decoded
 * here: a text extraction never decodes them.
 */

export interface Decoded {
  bytes: Uint8Array;
  /** The data expands beyond `cap`; `bytes` then holds only the first part. */
  exceeded: boolean;
}

const ALIASES: Record<string, string> = { Fl: "FlateDecode", LZW: "LZWDecode", RL: "RunLengthDecode", AHx: "ASCIIHexDecode", A85: "ASCII85Decode" };

export function canonicalFilter(name: string): string {
  return ALIASES[name] ?? name;
}

/**
 * Applies one filter with an output cap. Unknown and image filters return the
 * input unchanged (their output is not something pdfjs parses as text).
 * Damaged data decodes as far as it goes, as pdfjs does.
 */
export async function decodeFilter(filter: string, input: Uint8Array, cap: number, earlyChange = 1): Promise<Decoded> {
  switch (canonicalFilter(filter)) {
    case "FlateDecode":
      return inflateCapped(input, cap);
    case "LZWDecode":
      return lzwDecode(input, cap, earlyChange);
    case "RunLengthDecode":
      return runLengthDecode(input, cap);
    case "ASCIIHexDecode":
      return asciiHexDecode(input);
    case "ASCII85Decode":
      return ascii85Decode(input, cap);
    default:
      return { bytes: input, exceeded: input.length > cap };
  }
}

/**
 * zlib-wrapped deflate, as pdfjs reads it: the two header bytes checked (a bad
 * header decodes to nothing, as pdfjs's FlateStream throws), the checksum
 * ignored. Streamed so decoding stops at the cap.
 */
function inflateCapped(input: Uint8Array, cap: number): Promise<Decoded> {
  const cmf = input[0];
  const flg = input[1];
  if (cmf === undefined || flg === undefined || (cmf & 0x0f) !== 8 || ((cmf << 8) + flg) % 31 !== 0 || flg & 0x20) {
    return Promise.resolve({ bytes: new Uint8Array(0), exceeded: false });
  }
  return new Promise((resolve) => {
    const inflater = createInflateRaw({ finishFlush: constants.Z_SYNC_FLUSH });
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    const finish = (exceeded: boolean) => {
      if (settled) return;
      settled = true;
      inflater.destroy();
      resolve({ bytes: new Uint8Array(Buffer.concat(chunks)), exceeded });
    };
    inflater.on("data", (chunk: Buffer) => {
      if (settled) return;
      size += chunk.length;
      if (size > cap) return finish(true);
      chunks.push(chunk);
    });
    inflater.on("error", () => finish(false));
    inflater.on("end", () => finish(false));
    inflater.end(input.subarray(2));
  });
}

/** Growable output that refuses to pass its cap. */
class Output {
  private buffer: Uint8Array;
  length = 0;
  exceeded = false;
  private readonly cap: number;

  constructor(initial: number, cap: number) {
    this.cap = cap;
    this.buffer = new Uint8Array(Math.max(16, Math.min(initial, cap + 1)));
  }

  /** False once the cap is passed: the caller stops decoding. */
  push(byte: number): boolean {
    if (this.length >= this.cap) {
      this.exceeded = true;
      return false;
    }
    if (this.length === this.buffer.length) {
      const grown = new Uint8Array(Math.min(this.buffer.length * 2, this.cap + 1));
      grown.set(this.buffer);
      this.buffer = grown;
    }
    this.buffer[this.length++] = byte;
    return true;
  }

  result(): Decoded {
    return { bytes: this.buffer.subarray(0, this.length), exceeded: this.exceeded };
  }
}

/** LZW as PDF uses it (9-12 bit codes, 256 clear, 257 end, /EarlyChange). */
function lzwDecode(input: Uint8Array, cap: number, earlyChange: number): Decoded {
  const output = new Output(input.length * 2, cap);
  const prefix = new Int32Array(4096);
  const last = new Uint8Array(4096);
  const lengths = new Uint16Array(4096);
  for (let i = 0; i < 256; i++) {
    last[i] = i;
    lengths[i] = 1;
  }
  const scratch = new Uint8Array(4096);
  let nextCode = 258;
  let width = 9;
  let previous = -1;
  let bits = 0;
  let bitCount = 0;
  let at = 0;
  for (;;) {
    while (bitCount < width && at < input.length) {
      bits = ((bits << 8) | input[at++]!) & 0xffffff;
      bitCount += 8;
    }
    if (bitCount < width) break;
    const code = (bits >>> (bitCount - width)) & ((1 << width) - 1);
    bitCount -= width;
    if (code === 256) {
      nextCode = 258;
      width = 9;
      previous = -1;
      continue;
    }
    if (code === 257) break;
    let entry: number;
    if (code < nextCode && (code < 256 || lengths[code]! > 0)) entry = code;
    else if (code === nextCode && previous >= 0) entry = -1;
    else break; // A code that cannot occur: pdfjs stops here too.
    // The string for `entry` (or, for the code being defined, previous + its first byte).
    const source = entry >= 0 ? entry : previous;
    let length = lengths[source]!;
    for (let c = source, i = length - 1; i >= 0; i--) {
      scratch[i] = last[c]!;
      c = prefix[c]!;
    }
    if (entry < 0) scratch[length++] = scratch[0]!;
    for (let i = 0; i < length; i++) if (!output.push(scratch[i]!)) return output.result();
    if (previous >= 0 && nextCode < 4096) {
      prefix[nextCode] = previous;
      last[nextCode] = scratch[0]!;
      lengths[nextCode] = Math.min(4095, lengths[previous]! + 1);
      nextCode++;
    }
    previous = code;
    const limit = nextCode + earlyChange;
    width = limit >= 2048 ? 12 : limit >= 1024 ? 11 : limit >= 512 ? 10 : 9;
  }
  return output.result();
}

function runLengthDecode(input: Uint8Array, cap: number): Decoded {
  const output = new Output(input.length * 2, cap);
  for (let at = 0; at < input.length; ) {
    const length = input[at++]!;
    if (length === 128) break;
    if (length < 128) {
      for (let i = 0; i <= length && at < input.length; i++) if (!output.push(input[at++]!)) return output.result();
    } else {
      const byte = input[at++];
      if (byte === undefined) break;
      for (let i = 0; i < 257 - length; i++) if (!output.push(byte)) return output.result();
    }
  }
  return output.result();
}

/** Shrinks (two digits a byte): no cap needed. */
function asciiHexDecode(input: Uint8Array): Decoded {
  const digits = Buffer.from(input).toString("latin1").split(">")[0]!.replace(/[^0-9a-fA-F]/g, "");
  return { bytes: new Uint8Array(Buffer.from(digits.length % 2 ? `${digits}0` : digits, "hex")), exceeded: false };
}

/** Shrinks, except "z" (four zero bytes from one character): capped like the others. */
function ascii85Decode(input: Uint8Array, cap: number): Decoded {
  const text = Buffer.from(input).toString("latin1").split("~>")[0]!;
  const output = new Output(input.length, cap);
  const group: number[] = [];
  const flush = (count: number): boolean => {
    let value = 0;
    for (let i = 0; i < 5; i++) value = value * 85 + (group[i] ?? 84);
    group.length = 0;
    for (let i = 0; i < count; i++) if (!output.push(Math.floor(value / 2 ** (24 - 8 * i)) & 0xff)) return false;
    return true;
  };
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code === 0x7a && group.length === 0) {
      for (let k = 0; k < 4; k++) if (!output.push(0)) return output.result();
      continue;
    }
    const digit = code - 33;
    if (digit < 0 || digit > 84) continue;
    group.push(digit);
    if (group.length === 5 && !flush(4)) return output.result();
  }
  if (group.length > 1) flush(group.length - 1);
  return output.result();
}
