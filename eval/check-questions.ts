/**
 * Verifies eval/questions.json against eval/corpus/:
 *   - every entry has id, question, document, heading[], answer (ids unique);
 *   - the document exists;
 *   - the heading path (e.g. ["Chile", "Introduction", "Background"]) exists;
 *   - the answer occurs verbatim exactly once in that heading's section
 *     (the text from the heading to the next heading of the same or a higher level),
 *     and on a single line.
 *
 *   npx tsx eval/check-questions.ts [questions.json]
 *
 * Prints every failure and exits non-zero if there is any. `locateAnswer` is
 * exported so a runner can turn an answer into a character range of the document.
 */
import { readFileSync, readdirSync } from "node:fs";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

export interface Question {
  id: string;
  question: string;
  document: string;
  heading: string[];
  answer: string;
}

export interface Section {
  /** Heading texts from the document title down to this heading. */
  path: string[];
  /** Character range of the section body in the document (after the heading line). */
  start: number;
  end: number;
}

const EVAL_DIR = path.dirname(fileURLToPath(import.meta.url));
export const CORPUS_DIR = path.join(EVAL_DIR, "corpus");
export const QUESTIONS_FILE = path.join(EVAL_DIR, "questions.json");

/** ATX headings (# .. ######) and the text under each, down to the next heading of the same or higher level. */
export function parseSections(markdown: string): Section[] {
  const headings: Array<{ level: number; text: string; lineStart: number; bodyStart: number }> = [];
  const re = /^(#{1,6})[ \t]+(.+?)[ \t]*#*[ \t]*$/gm;
  for (let m = re.exec(markdown); m !== null; m = re.exec(markdown)) {
    const hashes = m[1] ?? "";
    const text = m[2] ?? "";
    headings.push({ level: hashes.length, text, lineStart: m.index, bodyStart: m.index + m[0].length });
  }
  const sections: Section[] = [];
  const stack: Array<{ level: number; text: string }> = [];
  headings.forEach((h, i) => {
    while (stack.length > 0 && (stack[stack.length - 1]?.level ?? 0) >= h.level) stack.pop();
    stack.push({ level: h.level, text: h.text });
    const next = headings.slice(i + 1).find((later) => later.level <= h.level);
    sections.push({ path: stack.map((s) => s.text), start: h.bodyStart, end: next ? next.lineStart : markdown.length });
  });
  return sections;
}

function occurrences(haystack: string, needle: string): number[] {
  const found: number[] = [];
  for (let i = haystack.indexOf(needle); i !== -1; i = haystack.indexOf(needle, i + 1)) found.push(i);
  return found;
}

/** Character range [start, end) of the question's answer in its document, or an error message. */
export function locateAnswer(q: Question, markdown: string): { start: number; end: number } | string {
  const section = parseSections(markdown).find(
    (s) => s.path.length === q.heading.length && s.path.every((text, i) => text === q.heading[i]),
  );
  if (!section) return `heading ${JSON.stringify(q.heading)} not found in ${q.document}`;
  const body = markdown.slice(section.start, section.end);
  const hits = occurrences(body, q.answer);
  if (hits.length !== 1) return `answer ${JSON.stringify(q.answer)} occurs ${hits.length} times under ${q.heading.join(" > ")}`;
  if (q.answer.includes("\n")) return "answer spans more than one line";
  const start = section.start + (hits[0] ?? 0);
  return { start, end: start + q.answer.length };
}

function validShape(value: unknown): value is Question {
  if (typeof value !== "object" || value === null) return false;
  const q = value as Record<string, unknown>;
  return (
    typeof q.id === "string" &&
    typeof q.question === "string" &&
    q.question.trim() !== "" &&
    typeof q.document === "string" &&
    typeof q.answer === "string" &&
    q.answer.trim() !== "" &&
    Array.isArray(q.heading) &&
    q.heading.length > 0 &&
    q.heading.every((h) => typeof h === "string")
  );
}

function main(): number {
  const raw: unknown = JSON.parse(readFileSync(process.argv[2] ?? QUESTIONS_FILE, "utf8"));
  if (!Array.isArray(raw)) {
    console.error("questions.json must be a JSON array");
    return 1;
  }
  const failures: string[] = [];
  const failed = new Set<number>();
  const notes: string[] = [];
  const ids = new Set<string>();
  const perDocument = new Map<string, number>();

  const corpus = readdirSync(CORPUS_DIR)
    .filter((name) => name.endsWith(".md"))
    .map((name) => ({ name, text: readFileSync(path.join(CORPUS_DIR, name), "utf8") }));

  raw.forEach((entry: unknown, index) => {
    const fail = (message: string): void => {
      failures.push(message);
      failed.add(index);
    };
    if (!validShape(entry)) {
      fail(`#${index}: needs string id, question, document, answer and a non-empty string[] heading`);
      return;
    }
    const label = `${entry.id} (${entry.document})`;
    if (ids.has(entry.id)) fail(`${label}: duplicate id`);
    ids.add(entry.id);
    const doc = corpus.find((d) => d.name === entry.document);
    if (!doc) {
      fail(`${label}: document not found in ${CORPUS_DIR}`);
      return;
    }
    const located = locateAnswer(entry, doc.text);
    if (typeof located === "string") fail(`${label}: ${located}`);
    perDocument.set(entry.document, (perDocument.get(entry.document) ?? 0) + 1);
    // Not an error, but scoring by substring alone would accept these elsewhere.
    const total = corpus.reduce((n, d) => n + occurrences(d.text, entry.answer).length, 0);
    if (total > 1) notes.push(`${label}: answer text also occurs elsewhere in the corpus (${total} times in all)`);
  });

  for (const note of notes) console.log(`note ${note}`);
  for (const failure of failures) console.error(`FAIL ${failure}`);
  console.log(
    `${raw.length} questions over ${perDocument.size} documents: ${raw.length - failed.size} ok, ${failed.size} failed`,
  );
  return failures.length === 0 ? 0 : 1;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = main();
}
