import { config } from "../../config";
import { type DocumentKind, UnsupportedDocumentError } from "./types";
import { inspectDocxPackage, isZip, megabytes } from "./zip";

/**
 * Upload-time check of one file: decides its kind from the bytes (never the
 * name, which only tells Markdown from plain text) and refuses what Parley
 * cannot or must not read, with a status and words the uploader can act on.
 * Cheap: no decompression, no parsing beyond a zip directory.
 */
export function inspectUpload(bytes: Uint8Array, fileName: string): { kind: DocumentKind } {
  if (bytes.length === 0) throw new UnsupportedDocumentError("The file is empty", 422);
  const limit = config.knowledge.maxFileBytes;
  if (bytes.length > limit) {
    throw new UnsupportedDocumentError(`The file is ${megabytes(bytes.length)} MB (limit ${megabytes(limit)} MB)`, 413);
  }
  if (startsWith(bytes, "%PDF-")) return { kind: "pdf" };
  if (isZip(bytes)) {
    inspectDocxPackage(bytes);
    return { kind: "docx" };
  }
  if (startsWith(bytes, "{\\rtf")) {
    throw new UnsupportedDocumentError("The file looks like an RTF document (save it as .docx or PDF): not a supported type", 415);
  }
  const text = decodeUtf8(bytes);
  if (text === undefined) {
    // Only now name the format: short signatures ("BM", "MZ") also start ordinary text.
    const binary = knownBinary(bytes);
    throw new UnsupportedDocumentError(
      binary
        ? `The file looks like ${binary}: not a supported type`
        : "The file is binary data, not a PDF, DOCX, HTML, Markdown or text file: not a supported type",
      415,
    );
  }
  return { kind: textKind(text, fileName) };
}

const SIGNATURES: Array<[string, number[], number?]> = [
  ["a PNG image", [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]],
  ["a JPEG image", [0xff, 0xd8, 0xff]],
  ["a GIF image", [0x47, 0x49, 0x46, 0x38]],
  ["a WebP image", [0x57, 0x45, 0x42, 0x50], 8],
  ["a TIFF image", [0x49, 0x49, 0x2a, 0x00]],
  ["a TIFF image", [0x4d, 0x4d, 0x00, 0x2a]],
  ["a BMP image", [0x42, 0x4d]],
  ["a Windows program (EXE/DLL)", [0x4d, 0x5a]],
  ["a Linux program (ELF)", [0x7f, 0x45, 0x4c, 0x46]],
  ["a WebAssembly module", [0x00, 0x61, 0x73, 0x6d]],
  ["a legacy Office file (.doc/.xls/.ppt; save it as .docx or PDF)", [0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]],
  ["a gzip archive", [0x1f, 0x8b]],
  ["a 7-Zip archive", [0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c]],
  ["a RAR archive", [0x52, 0x61, 0x72, 0x21, 0x1a, 0x07]],
  ["a zip archive", [0x50, 0x4b, 0x05, 0x06]],
  ["an MP3 audio file", [0x49, 0x44, 0x33]],
  ["an MP4/QuickTime video", [0x66, 0x74, 0x79, 0x70], 4],
  ["a SQLite database", [0x53, 0x51, 0x4c, 0x69, 0x74, 0x65, 0x20, 0x66]],
  ["UTF-16 text (save it as UTF-8)", [0xff, 0xfe]],
  ["UTF-16 text (save it as UTF-8)", [0xfe, 0xff]],
];

function knownBinary(bytes: Uint8Array): string | undefined {
  return SIGNATURES.find(([, magic, offset = 0]) => magic.every((byte, i) => bytes[offset + i] === byte))?.[0];
}

function startsWith(bytes: Uint8Array, ascii: string): boolean {
  return [...ascii].every((char, i) => bytes[i] === char.charCodeAt(0));
}

/** The text, or undefined when the bytes are not UTF-8 text (invalid sequences or NUL bytes). */
export function decodeUtf8(bytes: Uint8Array): string | undefined {
  if (bytes.includes(0)) return undefined;
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    return undefined;
  }
}

/** Sniffing needs no more than the start of a file. */
const SAMPLE_CHARS = 64 * 1024;
/** Opens with a doctype or <html>: HTML whatever else it holds. */
const HTML_START = /^<(!doctype\s+html|html[\s>])/i;
const HTML_SKELETON = /<(html|head|body)[\s>]/i;
const TAG = /<\/?([a-z][a-z0-9]*)\b[^<>]*>/gi;
const HTML_TAGS = new Set(
  "a abbr article aside b blockquote body br caption code dd div dl dt em figure footer h1 h2 h3 h4 h5 h6 head header hr html i img li link main meta nav ol p pre section small span strong sub sup table tbody td tfoot th thead title tr u ul".split(
    " ",
  ),
);
const MARKDOWN_HEADING = /^#{1,6}[ \t]+\S/m;
const MARKDOWN_FENCE = /^[ \t]{0,3}(```|~~~)/m;
const MARKDOWN_LIST_ITEM = /^[ \t]{0,3}([-*+]|\d{1,3}[.)])[ \t]+\S/gm;

function textKind(text: string, fileName: string): DocumentKind {
  const sample = text.slice(0, SAMPLE_CHARS);
  const markdownName = /\.(md|markdown)$/i.test(fileName);
  if (HTML_START.test(skipLeadingComments(sample))) return "html";
  const markdownStructure =
    MARKDOWN_HEADING.test(sample) || MARKDOWN_FENCE.test(sample) || (sample.match(MARKDOWN_LIST_ITEM)?.length ?? 0) >= 2;
  // Markdown may carry HTML (a README's centred logo, a fenced <body> example): with Markdown structure it stays Markdown.
  if (!markdownStructure && (HTML_SKELETON.test(sample) || mostlyTags(sample))) return "html";
  return markdownName || markdownStructure ? "markdown" : "text";
}

/** An HTML fragment: it opens with a known tag and has several, or tags make up a good share of it. */
function mostlyTags(sample: string): boolean {
  let tags = 0;
  let tagChars = 0;
  for (const match of sample.matchAll(TAG)) {
    if (!HTML_TAGS.has(match[1]!.toLowerCase())) continue;
    tags++;
    tagChars += match[0].length;
  }
  if (tags < 3) return false;
  const opensWithTag = /^\s*<([a-z][a-z0-9]*)\b/i.exec(sample);
  return (opensWithTag !== null && HTML_TAGS.has(opensWithTag[1]!.toLowerCase())) || tagChars / sample.trim().length >= 0.2;
}

function skipLeadingComments(text: string): string {
  let rest = text.trimStart();
  while (rest.startsWith("<!--")) {
    const end = rest.indexOf("-->");
    if (end < 0) return rest;
    rest = rest.slice(end + 3).trimStart();
  }
  return rest;
}
