/**
 * Synthetic knowledge-base content for the retrieval benchmark, made
 * deterministically from the evaluation corpus (eval/corpus) so full-text
 * search sees real English term statistics:
 *
 * - chunk texts: runs of consecutive Factbook sentences of one country (with
 *   about one sentence in four swapped for one from anywhere), 300-1,200
 *   characters, under a real heading path of that country;
 * - 384-dimensional vectors (bge-small's size): a fixed random projection of
 *   the text's idf-weighted bag of words, normalized. Texts that share words
 *   lie close together, like real embeddings, but no model made them: they
 *   exist to give HNSW a realistic amount of work, not to rank well.
 */
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { fnv1a, random } from "../tests/helpers/deterministic";
import { CORPUS_DIR, parseSections } from "../eval/check-questions";

export const DIMENSIONS = 384;



interface Sentence {
  /** Heading path under the document title, e.g. ["Geography", "Climate"]. */
  headingPath: string[];
  text: string;
}

export interface Country {
  name: string;
  slug: string;
  sentences: Sentence[];
}

/** The corpus cut into sentences, per country, with the heading each sits under. */
export function loadCorpus(): Country[] {
  return readdirSync(CORPUS_DIR)
    .filter((f) => f.endsWith(".md"))
    .sort()
    .map((file) => {
      const markdown = readFileSync(path.join(CORPUS_DIR, file), "utf8");
      const sentences: Sentence[] = [];
      let name = file;
      for (const section of parseSections(markdown)) {
        if (section.path.length === 1) name = section.path[0]!;
        // Leaf sections only (### fields): their body has no sub-headings.
        if (section.path.length < 3) continue;
        const body = markdown.slice(section.start, section.end).replace(/<!--[\s\S]*?-->/g, "");
        for (const line of body.split("\n")) {
          for (const text of line.trim().split(/(?<=[.!?;])\s+(?=[A-Z0-9])/)) {
            if (text.length >= 12) sentences.push({ headingPath: section.path.slice(1), text });
          }
        }
      }
      return { name, slug: file.replace(/\.md$/, ""), sentences };
    });
}

export interface BenchChunk {
  text: string;
  headingPath: string[];
  tokens: number;
}

/**
 * Chunk `index` of a synthetic document about `country`: consecutive
 * sentences from a random point of that country's text, ~1 in 4 replaced by
 * a sentence from any country, 300-1,200 characters.
 */
export function makeChunk(corpus: Country[], country: Country, index: number): BenchChunk {
  const next = random(index * 2_654_435_761 + 17);
  const target = 300 + Math.floor(next() * 900);
  let at = Math.floor(next() * country.sentences.length);
  const first = country.sentences[at]!;
  const parts: string[] = [];
  let length = 0;
  while (length < target) {
    let sentence = country.sentences[at % country.sentences.length]!;
    if (next() < 0.25) {
      const other = corpus[Math.floor(next() * corpus.length)]!;
      sentence = other.sentences[Math.floor(next() * other.sentences.length)]!;
    }
    parts.push(sentence.text);
    length += sentence.text.length + 1;
    at++;
  }
  const text = parts.join(" ");
  return { text, headingPath: [country.name, ...first.headingPath], tokens: Math.ceil(text.length / 4) };
}

const WORD = /[\p{L}\p{N}]+/gu;

/**
 * Bag-of-words random projection into 384 dimensions: each distinct word
 * has a fixed random ±1 direction; a text's vector is the sum of its words'
 * directions weighted by term frequency and idf, normalized.
 */
export class Projector {
  private readonly directions = new Map<string, Float32Array>();
  private readonly idf = new Map<string, number>();
  private readonly defaultIdf: number;

  constructor(corpus: Country[]) {
    const df = new Map<string, number>();
    let n = 0;
    for (const country of corpus) {
      for (const sentence of country.sentences) {
        n++;
        for (const word of new Set(sentence.text.toLowerCase().match(WORD) ?? [])) df.set(word, (df.get(word) ?? 0) + 1);
      }
    }
    for (const [word, count] of df) this.idf.set(word, Math.max(0.1, Math.log(n / count)));
    this.defaultIdf = Math.log(n);
  }

  private direction(word: string): Float32Array {
    let vector = this.directions.get(word);
    if (!vector) {
      const next = random(fnv1a(word));
      vector = new Float32Array(DIMENSIONS);
      for (let i = 0; i < DIMENSIONS; i++) vector[i] = next() < 0.5 ? -1 : 1;
      this.directions.set(word, vector);
    }
    return vector;
  }

  embed(text: string): number[] {
    const sum = new Float64Array(DIMENSIONS);
    const counts = new Map<string, number>();
    for (const word of text.toLowerCase().match(WORD) ?? []) counts.set(word, (counts.get(word) ?? 0) + 1);
    for (const [word, tf] of counts) {
      const weight = (1 + Math.log(tf)) * (this.idf.get(word) ?? this.defaultIdf);
      const direction = this.direction(word);
      for (let i = 0; i < DIMENSIONS; i++) sum[i]! += weight * direction[i]!;
    }
    let norm = 0;
    for (let i = 0; i < DIMENSIONS; i++) norm += sum[i]! * sum[i]!;
    norm = Math.sqrt(norm) || 1;
    // Six decimals: as precise as float4 storage needs, and half the SQL text.
    return Array.from(sum, (x) => Math.round((x / norm) * 1e6) / 1e6);
  }
}
