import { Parser } from "htmlparser2";

/**
 * HTML to the plain text Parley indexes, keeping the structure the chunker
 * understands: h1-h6 become Markdown headings ("# Title"), blocks are
 * separated by blank lines, list items become "- item" lines (nested ones
 * indented), table rows become "cell | cell" lines, <br> a line break.
 * Script, style and similar content is dropped; entities are decoded;
 * whitespace is collapsed within blocks (kept inside <pre>). The <title> is
 * used as a leading "# " heading only when the page has no h1.
 */
export function htmlToText(html: string): string {
  const converter = new Converter();
  const parser = new Parser(converter, { decodeEntities: true });
  parser.write(html);
  parser.end();
  return converter.result();
}

/** Elements whose content is never text a reader sees. */
const SKIPPED = new Set(["script", "style", "noscript", "template", "svg", "math", "canvas", "iframe", "object", "select"]);
const BLOCKS = new Set(
  (
    "address article aside blockquote body caption center dd details dialog dir div dl dt fieldset figcaption figure " +
    "footer form header hgroup hr html legend li main menu nav ol p pre section summary table tbody tfoot thead tr ul"
  ).split(" "),
);
const HEADING = /^h([1-6])$/;

type Group = "list" | "table" | undefined;
interface Block {
  text: string;
  /** Neighbouring blocks of the same group (list items, table rows) are one line apart, not a blank line. */
  group: Group;
}
/** A run of inline content: text (collapsed unless `raw`) or a <br>. */
type Piece = { text: string; raw: boolean } | "br";

class Converter {
  private blocks: Block[] = [];
  private pieces: Piece[] = [];
  private skipDepth = 0;
  private preDepth = 0;
  private listDepth = 0;
  private cellDepth = 0;
  private headingLevel = 0;
  private pendingBullet: string | undefined;
  private row: string[] | undefined;
  private title = "";
  private inTitle = false;
  private sawH1 = false;

  onopentag(name: string) {
    if (SKIPPED.has(name)) this.skipDepth++;
    if (this.skipDepth > 0) return;
    if (name === "title") this.inTitle = true;
    else if (name === "br") this.pieces.push("br");
    else if (name === "td" || name === "th") this.openCell();
    else if (this.cellDepth > 0) {
      // Inside a table cell everything is one line of the row.
      if (BLOCKS.has(name) || HEADING.test(name)) this.text(" ");
    } else if (HEADING.test(name)) {
      this.flush();
      this.headingLevel = Number(name[1]);
      if (this.headingLevel === 1) this.sawH1 = true;
    } else if (BLOCKS.has(name)) {
      this.flush();
      if (name === "ul" || name === "ol") this.listDepth++;
      if (name === "li") this.pendingBullet = `${"  ".repeat(Math.max(0, this.listDepth - 1))}- `;
      if (name === "tr") this.row = [];
      if (name === "pre") this.preDepth++;
    }
  }

  onclosetag(name: string) {
    if (SKIPPED.has(name)) {
      this.skipDepth = Math.max(0, this.skipDepth - 1);
      return;
    }
    if (this.skipDepth > 0) return;
    if (name === "title") this.inTitle = false;
    else if (name === "td" || name === "th") this.closeCell();
    else if (this.cellDepth > 0) {
      if (BLOCKS.has(name) || HEADING.test(name)) this.text(" ");
    } else if (HEADING.test(name)) {
      this.flush();
    } else if (BLOCKS.has(name)) {
      if (name === "tr") this.closeRow();
      else this.flush();
      if (name === "ul" || name === "ol") this.listDepth = Math.max(0, this.listDepth - 1);
      if (name === "li") this.pendingBullet = undefined;
      if (name === "pre") this.preDepth = Math.max(0, this.preDepth - 1);
    }
  }

  ontext(data: string) {
    if (this.skipDepth > 0) return;
    if (this.inTitle) this.title += data;
    else this.text(data);
  }

  result(): string {
    this.flush();
    const title = collapse(this.title);
    if (!this.sawH1 && title) this.blocks.unshift({ text: `# ${title}`, group: undefined });
    let out = "";
    this.blocks.forEach((block, i) => {
      const previous = this.blocks[i - 1];
      if (previous) out += block.group && block.group === previous.group ? "\n" : "\n\n";
      out += block.text;
    });
    return out;
  }

  private text(data: string) {
    this.pieces.push({ text: data, raw: this.preDepth > 0 });
  }

  private openCell() {
    if (this.cellDepth === 0) {
      this.flush();
      this.row ??= [];
    }
    this.cellDepth++;
  }

  private closeCell() {
    if (this.cellDepth === 0) return;
    this.cellDepth--;
    if (this.cellDepth === 0) this.row?.push(collapse(render(this.take(), false)));
  }

  private closeRow() {
    if (this.cellDepth > 0) this.closeCell();
    const row = this.row;
    this.row = undefined;
    if (row?.some((cell) => cell !== "")) this.blocks.push({ text: row.join(" | "), group: "table" });
  }

  private take(): Piece[] {
    const pieces = this.pieces;
    this.pieces = [];
    return pieces;
  }

  /** Ends the current block: renders its pieces with the heading or list prefix it opened with. */
  private flush() {
    const pieces = this.take();
    const pre = pieces.some((p) => p !== "br" && p.raw);
    let text = render(pieces, pre);
    if (!text) return;
    if (this.headingLevel > 0) {
      this.blocks.push({ text: `${"#".repeat(this.headingLevel)} ${text.replace(/\s*\n\s*/g, " ")}`, group: undefined });
      this.headingLevel = 0;
      return;
    }
    const inList = this.listDepth > 0;
    if (inList) {
      const indent = this.pendingBullet ?? "  ".repeat(this.listDepth);
      text = text.replace(/\n/g, `\n${" ".repeat(indent.length)}`);
      text = indent + text;
      this.pendingBullet = undefined;
    }
    this.blocks.push({ text, group: inList ? "list" : undefined });
  }
}

function collapse(text: string): string {
  return text.replace(/[ \t\n\r\f\u00a0]+/g, " ").trim();
}

/** Inline pieces as one block's text: whitespace collapsed (unless pre), <br> as line breaks, lines trimmed. */
function render(pieces: Piece[], pre: boolean): string {
  const text = pieces
    .map((piece) => (piece === "br" ? "\n" : piece.raw ? piece.text : piece.text.replace(/[ \t\n\r\f\u00a0]+/g, " ")))
    .join("");
  const lines = text.split("\n").map((line) => (pre ? line.trimEnd() : line.trim()));
  while (lines.length > 0 && lines[0] === "") lines.shift();
  while (lines.length > 0 && lines.at(-1) === "") lines.pop();
  return pre ? lines.join("\n") : lines.filter((line, i) => line !== "" || lines[i - 1] !== "").join("\n");
}
