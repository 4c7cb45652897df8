import { inflateRaw } from "node:zlib";
import { promisify } from "node:util";
import { config } from "../../config";
import { UnsupportedDocumentError } from "./types";

/**
 * Just enough of the zip format to judge a DOCX before anything is
 * decompressed: the central directory (names, claimed sizes, compression) is
 * read straight from the bytes, with ZIP64 sizes and counts understood.
 */

export interface ZipEntry {
  name: string;
  /** 0 = stored, 8 = deflate. */
  method: number;
  compressedSize: number;
  uncompressedSize: number;
  localHeaderOffset: number;
}

export interface ZipDirectory {
  /** Entry count the end-of-directory record claims (checked before the entries are walked). */
  claimedEntries: number;
  entries: ZipEntry[];
}

/** The bytes are not a readable zip (no end record, directory out of bounds, bad signatures). */
export class ZipFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ZipFormatError";
  }
}

const EOCD = 0x06054b50;
const ZIP64_LOCATOR = 0x07064b50;
const ZIP64_EOCD = 0x06064b50;
const CENTRAL_HEADER = 0x02014b50;
const LOCAL_HEADER = 0x04034b50;
const U32_MAX = 0xffffffff;
const U16_MAX = 0xffff;

export function isZip(bytes: Uint8Array): boolean {
  return bytes.length >= 4 && bytes[0] === 0x50 && bytes[1] === 0x4b && bytes[2] === 0x03 && bytes[3] === 0x04;
}

/**
 * Reads the central directory. `maxEntries` stops the walk early (the claimed
 * count is returned so the caller can reject it) so a directory claiming
 * millions of entries costs nothing.
 */
export function readZipDirectory(bytes: Uint8Array, maxEntries = Number.MAX_SAFE_INTEGER): ZipDirectory {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const eocd = findEndRecord(view);
  let claimedEntries = view.getUint16(eocd + 10, true);
  let directorySize = view.getUint32(eocd + 12, true);
  let directoryOffset = view.getUint32(eocd + 16, true);

  const locator = eocd - 20;
  if (locator >= 0 && view.getUint32(locator, true) === ZIP64_LOCATOR) {
    const record = u64(view, locator + 8);
    if (record + 56 > bytes.length || view.getUint32(record, true) !== ZIP64_EOCD) {
      throw new ZipFormatError("the ZIP64 end record is missing");
    }
    claimedEntries = u64(view, record + 32);
    directorySize = u64(view, record + 40);
    directoryOffset = u64(view, record + 48);
  } else if (claimedEntries === U16_MAX || directoryOffset === U32_MAX) {
    throw new ZipFormatError("the ZIP64 end record is missing");
  }
  if (directoryOffset + directorySize > bytes.length) {
    throw new ZipFormatError("the directory lies outside the file");
  }
  if (claimedEntries > maxEntries) return { claimedEntries, entries: [] };

  const entries: ZipEntry[] = [];
  const decoder = new TextDecoder();
  let at = directoryOffset;
  for (let i = 0; i < claimedEntries; i++) {
    if (at + 46 > bytes.length || view.getUint32(at, true) !== CENTRAL_HEADER) {
      throw new ZipFormatError(`directory entry ${i + 1} is damaged`);
    }
    const nameLength = view.getUint16(at + 28, true);
    const extraLength = view.getUint16(at + 30, true);
    const commentLength = view.getUint16(at + 32, true);
    const end = at + 46 + nameLength + extraLength + commentLength;
    if (end > bytes.length) throw new ZipFormatError(`directory entry ${i + 1} runs past the end`);
    const entry: ZipEntry = {
      name: decoder.decode(bytes.subarray(at + 46, at + 46 + nameLength)),
      method: view.getUint16(at + 10, true),
      compressedSize: view.getUint32(at + 20, true),
      uncompressedSize: view.getUint32(at + 24, true),
      localHeaderOffset: view.getUint32(at + 42, true),
    };
    applyZip64Extra(view, at + 46 + nameLength, extraLength, entry);
    entries.push(entry);
    at = end;
  }
  return { claimedEntries, entries };
}

/** The end-of-central-directory record sits in the last 22 + 65535 (comment) bytes. */
function findEndRecord(view: DataView): number {
  const lowest = Math.max(0, view.byteLength - 22 - U16_MAX);
  for (let at = view.byteLength - 22; at >= lowest; at--) {
    if (view.getUint32(at, true) === EOCD) return at;
  }
  throw new ZipFormatError("no end-of-directory record");
}

/** Values saturated at 0xFFFFFFFF are in the ZIP64 extra field (id 1), in this order. */
function applyZip64Extra(view: DataView, start: number, length: number, entry: ZipEntry) {
  const fields = ["uncompressedSize", "compressedSize", "localHeaderOffset"] as const;
  for (let at = start; at + 4 <= start + length; ) {
    const id = view.getUint16(at, true);
    const size = view.getUint16(at + 2, true);
    if (id === 0x0001) {
      let field = at + 4;
      for (const name of fields) {
        if (entry[name] !== U32_MAX) continue;
        if (field + 8 > at + 4 + size) throw new ZipFormatError(`the ZIP64 sizes of ${entry.name} are damaged`);
        entry[name] = u64(view, field);
        field += 8;
      }
      return;
    }
    at += 4 + size;
  }
}

function u64(view: DataView, at: number): number {
  const value = view.getBigUint64(at, true);
  if (value > BigInt(Number.MAX_SAFE_INTEGER)) throw new ZipFormatError("a size is beyond any real file");
  return Number(value);
}

export interface ZipLimits {
  maxEntries: number;
  maxUncompressedBytes: number;
  /** Largest believable uncompressed/compressed ratio for entries above `ratioCheckFromBytes`. */
  maxRatio: number;
  ratioCheckFromBytes: number;
}

export type ZipLimitViolation = { status: 413 | 422; message: string };

/**
 * Judges the directory against the limits (zip-bomb defence): entry count,
 * summed claimed uncompressed size, then per-entry compression ratio. Returns
 * the first violation, or undefined.
 */
export function checkZipLimits(directory: ZipDirectory, limits: ZipLimits, label: string): ZipLimitViolation | undefined {
  if (directory.claimedEntries > limits.maxEntries) {
    return {
      status: 422,
      message: `The archive holds ${directory.claimedEntries} files (limit ${limits.maxEntries})`,
    };
  }
  const total = directory.entries.reduce((sum, entry) => sum + entry.uncompressedSize, 0);
  if (total > limits.maxUncompressedBytes) {
    return {
      status: 413,
      message: `${label} would expand to ${megabytes(total)} MB (limit ${megabytes(limits.maxUncompressedBytes)} MB)`,
    };
  }
  for (const entry of directory.entries) {
    const ratio = entry.uncompressedSize / Math.max(1, entry.compressedSize);
    if (entry.uncompressedSize > limits.ratioCheckFromBytes && ratio > limits.maxRatio) {
      return {
        status: 422,
        message: `${label} entry ${entry.name} claims a compression ratio of ${Math.round(ratio)}:1 (limit ${limits.maxRatio}:1): refusing a likely zip bomb`,
      };
    }
    if (entry.method === 0 && entry.compressedSize !== entry.uncompressedSize) {
      return { status: 422, message: `${label} entry ${entry.name} has inconsistent sizes: the file is damaged` };
    }
  }
  return undefined;
}

export function megabytes(bytes: number): string {
  const mb = bytes / (1024 * 1024);
  return mb >= 10 || Number.isInteger(mb) ? String(Math.round(mb)) : mb.toFixed(1);
}

const inflate = promisify(inflateRaw);

/**
 * Proves each entry decompresses to no more than its directory claims, with
 * zlib told to stop at that size: a directory that lies about sizes cannot
 * make a later reader (mammoth's jszip, which has no output cap) expand more
 * than the limits allowed. Run only after checkZipLimits passed.
 */
export async function verifyEntrySizes(bytes: Uint8Array, entries: ZipEntry[], signal?: AbortSignal): Promise<void> {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (const entry of entries) {
    signal?.throwIfAborted();
    const at = entry.localHeaderOffset;
    if (at + 30 > bytes.length || view.getUint32(at, true) !== LOCAL_HEADER) {
      throw new ZipFormatError(`the local header of ${entry.name} is missing`);
    }
    const dataStart = at + 30 + view.getUint16(at + 26, true) + view.getUint16(at + 28, true);
    if (dataStart + entry.compressedSize > bytes.length) {
      throw new ZipFormatError(`${entry.name} runs past the end of the file`);
    }
    if (entry.method === 0 || (entry.uncompressedSize === 0 && entry.compressedSize === 0)) continue;
    if (entry.method !== 8) throw new ZipFormatError(`${entry.name} uses an unsupported compression method`);
    const data = bytes.subarray(dataStart, dataStart + entry.compressedSize);
    let output: Buffer;
    try {
      output = await inflate(data, { maxOutputLength: Math.max(1, entry.uncompressedSize) });
    } catch (error) {
      const code = (error as { code?: string }).code;
      throw new ZipFormatError(
        code === "ERR_BUFFER_TOO_LARGE"
          ? `${entry.name} expands beyond the size its directory claims`
          : `${entry.name} cannot be decompressed`,
      );
    }
    if (output.length !== entry.uncompressedSize) {
      throw new ZipFormatError(`${entry.name} does not match the size its directory claims`);
    }
  }
}

/** Entries above this size must not claim more than MAX_RATIO:1 compression. */
const RATIO_CHECK_FROM_BYTES = 1024 * 1024;
const MAX_RATIO = 200;

/**
 * Upload-time (and pre-extraction) judgement of a zip as a DOCX, from its
 * directory alone: damaged (422), too many entries (422), a likely bomb
 * (422), too big once expanded (413), or not a Word document at all (415).
 */
export function inspectDocxPackage(bytes: Uint8Array): ZipDirectory {
  const maxEntries = config.knowledge.docxMaxEntries;
  let directory: ZipDirectory;
  try {
    directory = readZipDirectory(bytes, maxEntries);
  } catch (error) {
    if (!(error instanceof ZipFormatError)) throw error;
    throw new UnsupportedDocumentError(`The file is a damaged zip archive (${error.message})`, 422);
  }
  const limits = {
    maxEntries,
    maxUncompressedBytes: config.knowledge.docxMaxUncompressedBytes,
    maxRatio: MAX_RATIO,
    ratioCheckFromBytes: RATIO_CHECK_FROM_BYTES,
  };
  if (directory.claimedEntries <= maxEntries && !directory.entries.some((e) => e.name === "word/document.xml")) {
    throw new UnsupportedDocumentError("The file is a zip archive, not a Word document (.docx): not a supported type", 415);
  }
  const violation = checkZipLimits(directory, limits, "DOCX");
  if (violation) throw new UnsupportedDocumentError(violation.message, violation.status);
  return directory;
}
