import { deflateRawSync, deflateSync } from "node:zlib";
import { random } from "./deterministic";
import JSZip from "jszip";

/**
 * Test documents built in memory, byte for byte, so tests, the ingestion e2e
 * and the benchmarks need no fixture files:
 *
 * - makePdf(pages, { encrypted?, imageOnly? }): a valid PDF 1.4, one page per string.
 * - makeInflatingPdf(pageBytes) / makeFlateBombPdf(): pages whose FlateDecode content streams
 *   inflate to a chosen size (a flate bomb: a few hundred KB that pdfjs expands to ~100 MB).
 * - makeLongPdf(pageCount) / longPdfPageText(page): deterministic English prose pages.
 * - makeDocx(blocks): a minimal Word document with real Heading 1-3 styles.
 * - makeZipBomb(options): a DOCX-looking zip whose directory claims a huge size,
 *   a bomb-like compression ratio, too many entries, or lies about its sizes.
 */

// ---------------------------------------------------------------- PDF

export interface PdfOptions {
  /**
   * Adds a Standard security handler (/Encrypt V1 R2 with made-up /O and /U)
   * and a trailer /ID: the empty user password fails, so readers ask for one.
   */
  encrypted?: boolean;
  /** Pages draw shapes and an inline image but no text operators (a "scan"). */
  imageOnly?: boolean;
}

const PAGE_WIDTH = 612;
const PAGE_HEIGHT = 792;
const MARGIN = 56;
const FONT_SIZE = 11;
const LEADING = 14;
const WRAP_CHARS = 90;

/**
 * A PDF with one text block per page in Helvetica: each page string is split
 * into paragraphs at blank lines (an empty line is left between them), at "\n"
 * into forced lines, and long lines are word-wrapped at ~90 characters. Lines
 * are advanced with TL/T*, as word processors do. Characters outside Latin-1
 * become "?". The xref table carries the real byte offsets.
 */
export function makePdf(pages: string[], options: PdfOptions = {}): Uint8Array {
  const objects: PdfObjectBody[] = [];
  const add = (body: string) => objects.push(body);
  const pageIds = pages.map((_, i) => 4 + i * 2);

  add("<< /Type /Catalog /Pages 2 0 R >>");
  add(`<< /Type /Pages /Kids [${pageIds.map((id) => `${id} 0 R`).join(" ")}] /Count ${pages.length} >>`);
  add("<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>");
  pages.forEach((text, i) => {
    const content = options.imageOnly ? imageContent(i) : textContent(text);
    add(
      `<< /Type /Page /Parent 2 0 R /MediaBox [0 0 ${PAGE_WIDTH} ${PAGE_HEIGHT}] ` +
        `/Resources << /Font << /F1 3 0 R >> >> /Contents ${pageIds[i]! + 1} 0 R >>`,
    );
    add(`<< /Length ${content.length} >>\nstream\n${content}\nendstream`);
  });
  let trailerExtra = "";
  if (options.encrypted) {
    const encryptId = objects.length + 1;
    add(`<< /Filter /Standard /V 1 /R 2 /Length 40 /P -3904 /O <${hexBytes(32, 7)}> /U <${hexBytes(32, 13)}> >>`);
    trailerExtra = ` /Encrypt ${encryptId} 0 R /ID [<${hexBytes(16, 3)}> <${hexBytes(16, 3)}>]`;
  }
  return assemblePdf(objects, trailerExtra);
}

/** An object's body as text (Latin-1), or a stream: its dictionary (without /Length) and its bytes. */
type PdfObjectBody = string | { dict: string; data: Uint8Array };

/** Objects 1..n (1 the catalog), the xref table with their real byte offsets, and the trailer. */
function assemblePdf(objects: PdfObjectBody[], trailerExtra = ""): Uint8Array {
  const parts: Buffer[] = [];
  let length = 0;
  // Latin-1: one character per byte, so string lengths are byte lengths.
  const write = (part: string | Uint8Array) => {
    const bytes = typeof part === "string" ? Buffer.from(part, "latin1") : Buffer.from(part);
    parts.push(bytes);
    length += bytes.length;
  };
  write("%PDF-1.4\n%\xe2\xe3\xcf\xd3\n");
  const offsets: number[] = [];
  objects.forEach((body, i) => {
    offsets.push(length);
    if (typeof body === "string") {
      write(`${i + 1} 0 obj\n${body}\nendobj\n`);
      return;
    }
    write(`${i + 1} 0 obj\n<< ${body.dict} /Length ${body.data.length} >>\nstream\n`);
    write(body.data);
    write("\nendstream\nendobj\n");
  });
  const xref = length;
  let table = `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n`;
  for (const offset of offsets) table += `${String(offset).padStart(10, "0")} 00000 n \n`;
  write(`${table}trailer\n<< /Size ${objects.length + 1} /Root 1 0 R${trailerExtra} >>\nstartxref\n${xref}\n%%EOF\n`);
  return new Uint8Array(Buffer.concat(parts));
}

const MIB = 1024 * 1024;
/** One line of text drawn: what makes a page expensive for pdfjs (~20 s and ~1.7 GB for 100 MB, measured). */
const DRAWN_WORD = "BT /F1 11 Tf 56 700 Td (Parley) Tj ET\n";

/**
 * A PDF with one page per entry of `pageBytes`: each page says "Page N." and
 * its FlateDecode content stream then repeats a text-drawing line until it
 * inflates to that many bytes (0: just the sentence); an array gives the page
 * several content streams (/Contents [a b ...]) of those sizes. Deflate
 * shrinks the repetition about 1000:1, so 100 MB of page content costs ~100 KB.
 */
export function makeInflatingPdf(pageBytes: Array<number | number[]>): Uint8Array {
  const objects: PdfObjectBody[] = [
    "<< /Type /Catalog /Pages 2 0 R >>",
    "", // the page tree, once the pages' numbers are known
    "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
  ];
  const pageIds = pageBytes.map((sizes, i) => {
    const streams = (Array.isArray(sizes) ? sizes : [sizes]).map((bytes, k) => {
      const sentence = Buffer.from(k === 0 ? `BT /F1 11 Tf 56 736 Td (Page ${i + 1}.) Tj ET\n` : "", "latin1");
      const content = Buffer.concat([sentence, Buffer.alloc(Math.max(0, bytes - sentence.length), DRAWN_WORD, "latin1")]);
      objects.push({ dict: "/Filter /FlateDecode", data: deflateSync(content, { level: 9 }) });
      return objects.length;
    });
    objects.push(
      `<< /Type /Page /Parent 2 0 R /MediaBox [0 0 ${PAGE_WIDTH} ${PAGE_HEIGHT}] ` +
        `/Resources << /Font << /F1 3 0 R >> >> /Contents [${streams.map((id) => `${id} 0 R`).join(" ")}] >>`,
    );
    return objects.length;
  });
  objects[1] = `<< /Type /Pages /Kids [${pageIds.map((id) => `${id} 0 R`).join(" ")}] /Count ${pageBytes.length} >>`;
  return assemblePdf(objects);
}

/** The flate bomb: three pages, the second inflating to `inflatedBytes` (default 100 MiB). */
export function makeFlateBombPdf(inflatedBytes = 100 * MIB): Uint8Array {
  return makeInflatingPdf([0, inflatedBytes, 0]);
}

function textContent(text: string): string {
  const ops = ["BT", `/F1 ${FONT_SIZE} Tf`, `${LEADING} TL`, `${MARGIN} ${PAGE_HEIGHT - MARGIN} Td`];
  const paragraphs = text.split(/\n\s*\n/);
  paragraphs.forEach((paragraph, p) => {
    if (p > 0) ops.push("T*");
    const lines = paragraph.split("\n").flatMap((line) => wrap(line, WRAP_CHARS));
    for (const line of lines) ops.push(`(${pdfString(line)}) Tj`, "T*");
  });
  ops.push("ET");
  return ops.join("\n");
}

/** A grey panel, a frame and a 4x4 greyscale inline image: marks on the page, no text. */
function imageContent(page: number): string {
  const pixels = Array.from({ length: 16 }, (_, i) => ((i * 37 + page * 11) % 256).toString(16).padStart(2, "0")).join("");
  return [
    "q 0.85 0.85 0.85 rg 56 380 500 340 re f Q",
    "q 0 0 0 RG 2 w 56 380 500 340 re S Q",
    `q 400 0 0 240 106 430 cm BI /W 4 /H 4 /CS /G /BPC 8 /F /AHx ID ${pixels}> EI Q`,
  ].join("\n");
}

/** Word-wraps one line at `width` characters (a longer word gets a line of its own). */
function wrap(line: string, width: number): string[] {
  const lines: string[] = [];
  let current = "";
  for (const word of line.split(/\s+/).filter(Boolean)) {
    if (current && current.length + 1 + word.length > width) {
      lines.push(current);
      current = word;
    } else {
      current = current ? `${current} ${word}` : word;
    }
  }
  if (current || lines.length === 0) lines.push(current);
  return lines;
}

/** Latin-1 PDF literal string body: \ ( ) escaped, other characters become "?". */
function pdfString(text: string): string {
  return [...text].map((c) => (c.charCodeAt(0) > 0xff ? "?" : c)).join("").replace(/[\\()]/g, "\\$&");
}

function hexBytes(count: number, seed: number): string {
  return Array.from({ length: count }, (_, i) => ((i * 31 + seed * 17) % 256).toString(16).padStart(2, "0")).join("");
}

// ---------------------------------------------------------------- Long prose

const SUBJECTS = [
  "The maintenance team",
  "Our regional office",
  "The new billing system",
  "Each project manager",
  "The quarterly review",
  "The support desk",
  "The warehouse in Leeds",
  "The onboarding guide",
  "Every field engineer",
  "The safety committee",
];
const VERBS = [
  "recommends",
  "documents",
  "schedules",
  "reviews",
  "tracks",
  "approves",
  "reports on",
  "simplifies",
  "audits",
  "explains",
];
const OBJECTS = [
  "the replacement of worn conveyor belts",
  "how refunds are issued to customers",
  "the backup procedure for the file servers",
  "overtime requests during the holiday season",
  "the calibration of the pressure sensors",
  "the steps for reporting a data breach",
  "travel expenses above the usual threshold",
  "the rollout plan for the mobile application",
  "supplier contracts that renew automatically",
  "the fire drill held every spring",
];
const CLAUSES = [
  "before the end of each month",
  "so that nobody has to guess what happens next",
  "after consulting the finance department",
  "unless a manager grants an exception in writing",
  "in line with the policy agreed last year",
  "to keep downtime to a minimum",
  "while the old process is phased out",
  "with a short summary for the board",
];


/**
 * The prose of page `page` (1-based) of makeLongPdf: four paragraphs of five
 * to seven sentences, the same for the same page number on every run. Each
 * page's first sentence names the page ("Page 12 covers ..."), so a retrieval
 * benchmark can ask about a specific page.
 */
export function longPdfPageText(page: number): string {
  const next = random(page * 7919);
  const pick = <T>(list: T[]) => list[Math.floor(next() * list.length)]!;
  const paragraphs: string[] = [];
  for (let p = 0; p < 4; p++) {
    const sentences: string[] = [];
    if (p === 0) sentences.push(`Page ${page} covers ${pick(OBJECTS)}.`);
    const count = 5 + Math.floor(next() * 3);
    for (let s = 0; s < count; s++) sentences.push(`${pick(SUBJECTS)} ${pick(VERBS)} ${pick(OBJECTS)} ${pick(CLAUSES)}.`);
    paragraphs.push(sentences.join(" "));
  }
  return paragraphs.join("\n\n");
}

/** A PDF of `pageCount` pages of longPdfPageText prose (~350 words a page). */
export function makeLongPdf(pageCount: number): Uint8Array {
  return makePdf(Array.from({ length: pageCount }, (_, i) => longPdfPageText(i + 1)));
}

// ---------------------------------------------------------------- DOCX

export interface DocxBlock {
  /** Word's built-in Heading 1-3 paragraph style; absent for body text. */
  heading?: 1 | 2 | 3;
  /** The paragraph's text; "\n" becomes a line break within the paragraph. */
  text: string;
}

const W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main";
const REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships";
const CONTENT_TYPES = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">
<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>
<Default Extension="xml" ContentType="application/xml"/>
<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>
<Override PartName="/word/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.styles+xml"/>
</Types>`;
const PACKAGE_RELS = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId1" Type="${REL}/officeDocument" Target="word/document.xml"/>
</Relationships>`;
const DOCUMENT_RELS = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId1" Type="${REL}/styles" Target="styles.xml"/>
</Relationships>`;
const STYLES = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:styles xmlns:w="${W}">
<w:style w:type="paragraph" w:default="1" w:styleId="Normal"><w:name w:val="Normal"/></w:style>
${[1, 2, 3]
  .map(
    (level) =>
      `<w:style w:type="paragraph" w:styleId="Heading${level}"><w:name w:val="heading ${level}"/>` +
      `<w:basedOn w:val="Normal"/><w:next w:val="Normal"/><w:pPr><w:outlineLvl w:val="${level - 1}"/></w:pPr></w:style>`,
  )
  .join("\n")}
</w:styles>`;

/** A minimal valid .docx (built with jszip, deflated) whose headings mammoth maps to h1-h3. */
export async function makeDocx(blocks: DocxBlock[]): Promise<Uint8Array> {
  const zip = new JSZip();
  zip.file("[Content_Types].xml", CONTENT_TYPES);
  zip.file("_rels/.rels", PACKAGE_RELS);
  zip.file("word/_rels/document.xml.rels", DOCUMENT_RELS);
  zip.file("word/styles.xml", STYLES);
  zip.file("word/document.xml", documentXml(blocks));
  return zip.generateAsync({ type: "uint8array", compression: "DEFLATE" });
}

function documentXml(blocks: DocxBlock[]): string {
  const paragraphs = blocks.map((block) => {
    const style = block.heading ? `<w:pPr><w:pStyle w:val="Heading${block.heading}"/></w:pPr>` : "";
    const runs = block.text
      .split("\n")
      .map((line) => `<w:t xml:space="preserve">${xmlEscape(line)}</w:t>`)
      .join("<w:br/>");
    return `<w:p>${style}<w:r>${runs}</w:r></w:p>`;
  });
  return `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:document xmlns:w="${W}"><w:body>${paragraphs.join("")}<w:sectPr/></w:body></w:document>`;
}

function xmlEscape(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

// ---------------------------------------------------------------- Zip bombs

export interface ZipBombOptions {
  /** Uncompressed size word/document.xml claims in the directory (default 10 GiB; ZIP64 above 4 GiB). */
  claimedBytes?: number;
  /** Bytes (zeros) actually deflated into word/document.xml (default 1 MiB, ~1 KB compressed). */
  actualBytes?: number;
  /** Additional empty entries, to exceed the entry limit (default 0). */
  extraEntries?: number;
}

/**
 * A zip shaped like a DOCX ([Content_Types].xml, _rels/.rels, word/document.xml)
 * whose directory is hostile, written byte by byte:
 * - default: document.xml claims 10 GiB (expansion limit);
 * - claimedBytes 150 MiB: under the size limit, but a ~150000:1 ratio (bomb);
 * - extraEntries 6000: too many entries;
 * - claimedBytes smaller than actualBytes: the directory lies, the data expands further.
 * Nothing ever needs to decompress it to be rejected.
 */
export function makeZipBomb(options: ZipBombOptions = {}): Uint8Array {
  const actual = new Uint8Array(options.actualBytes ?? 1024 * 1024);
  const entries: ZipEntrySpec[] = [
    stored("[Content_Types].xml", CONTENT_TYPES),
    stored("_rels/.rels", PACKAGE_RELS),
    {
      name: "word/document.xml",
      method: 8,
      data: deflateRawSync(actual),
      crc: crc32(actual),
      uncompressedSize: options.claimedBytes ?? 10 * 1024 ** 3,
    },
  ];
  for (let i = 0; i < (options.extraEntries ?? 0); i++) entries.push(stored(`word/media/empty${i}.xml`, ""));
  return writeZip(entries);
}

interface ZipEntrySpec {
  name: string;
  method: 0 | 8;
  data: Uint8Array;
  crc: number;
  uncompressedSize: number;
}

function stored(name: string, text: string): ZipEntrySpec {
  const data = new TextEncoder().encode(text);
  return { name, method: 0, data, crc: crc32(data), uncompressedSize: data.length };
}

/** Local headers + data, central directory, end record; ZIP64 extra fields for sizes of 4 GiB and more. */
function writeZip(entries: ZipEntrySpec[]): Uint8Array {
  const parts: Uint8Array[] = [];
  const central: Uint8Array[] = [];
  let offset = 0;
  for (const entry of entries) {
    const name = new TextEncoder().encode(entry.name);
    const zip64 = entry.uncompressedSize >= 0xffffffff;
    const extra = zip64 ? zip64Extra(entry.uncompressedSize) : new Uint8Array(0);
    const size32 = zip64 ? 0xffffffff : entry.uncompressedSize;
    const local = header(30, [
      [0, 4, 0x04034b50],
      [4, 2, zip64 ? 45 : 20],
      [8, 2, entry.method],
      [14, 4, entry.crc],
      [18, 4, entry.data.length],
      [22, 4, size32],
      [26, 2, name.length],
      [28, 2, extra.length],
    ]);
    central.push(
      header(46, [
        [0, 4, 0x02014b50],
        [4, 2, zip64 ? 45 : 20],
        [6, 2, zip64 ? 45 : 20],
        [10, 2, entry.method],
        [16, 4, entry.crc],
        [20, 4, entry.data.length],
        [24, 4, size32],
        [28, 2, name.length],
        [30, 2, extra.length],
        [42, 4, offset],
      ]),
      name,
      extra,
    );
    parts.push(local, name, extra, entry.data);
    offset += local.length + name.length + extra.length + entry.data.length;
  }
  const directorySize = central.reduce((sum, part) => sum + part.length, 0);
  const count = Math.min(entries.length, 0xffff);
  const end = header(22, [
    [0, 4, 0x06054b50],
    [8, 2, count],
    [10, 2, count],
    [12, 4, directorySize],
    [16, 4, offset],
  ]);
  const zip64End: Uint8Array[] = [];
  if (entries.length >= 0xffff) {
    const record = new Uint8Array(56);
    const view = new DataView(record.buffer);
    view.setUint32(0, 0x06064b50, true);
    view.setBigUint64(4, 44n, true);
    view.setUint16(12, 45, true);
    view.setUint16(14, 45, true);
    view.setBigUint64(24, BigInt(entries.length), true);
    view.setBigUint64(32, BigInt(entries.length), true);
    view.setBigUint64(40, BigInt(directorySize), true);
    view.setBigUint64(48, BigInt(offset), true);
    const locator = header(20, [
      [0, 4, 0x07064b50],
      [16, 4, 1],
    ]);
    new DataView(locator.buffer).setBigUint64(8, BigInt(offset + directorySize), true);
    zip64End.push(record, locator);
  }
  return new Uint8Array(Buffer.concat([...parts, ...central, ...zip64End, end]));
}

function header(length: number, fields: Array<[offset: number, size: 2 | 4, value: number]>): Uint8Array {
  const bytes = new Uint8Array(length);
  const view = new DataView(bytes.buffer);
  for (const [at, size, value] of fields) {
    if (size === 2) view.setUint16(at, value, true);
    else view.setUint32(at, value >>> 0, true);
  }
  return bytes;
}

function zip64Extra(uncompressedSize: number): Uint8Array {
  const extra = new Uint8Array(12);
  const view = new DataView(extra.buffer);
  view.setUint16(0, 0x0001, true);
  view.setUint16(2, 8, true);
  view.setBigUint64(4, BigInt(uncompressedSize), true);
  return extra;
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(bytes: Uint8Array): number {
  let crc = 0xffffffff;
  for (const byte of bytes) crc = CRC_TABLE[(crc ^ byte) & 0xff]! ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}
