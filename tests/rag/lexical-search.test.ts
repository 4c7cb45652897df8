import { afterAll, beforeAll, expect, it } from "vitest";
import { createUser } from "../../lib/auth/users";
import {
  deleteChunks,
  chunksToRank,
  expectedChunks,
  insertChunks,
  LEXICAL_SEARCH_SQL,
  lexicalSearch,
  rankedChunkClauses,
  termsRequired,
} from "../../lib/db/queries/chunks";
import { personalCollectionId } from "../../lib/db/queries/collections";
import { insertDocument } from "../../lib/db/queries/documents";
import { describeEachBackend, openTestDatabase, type TestDatabase } from "../helpers/db";

it("ranks every chunk holding any term while they fit the budget, else chunks holding enough of the rarest terms", () => {
  const terms = [
    { lexeme: "annual", chunks: 900 },
    { lexeme: "report", chunks: 950 },
    { lexeme: "glacier", chunks: 3 },
    { lexeme: "retreat", chunks: 12 },
    { lexeme: "zzz", chunks: 0 },
  ];
  // 1,865 chunks hold a term: all ranked under a budget of 2,000.
  expect(termsRequired(terms, 1_000, 2_000)).toBe(0);
  // Over budget: "any of them" is expected to take ~995 of 1,000 chunks, "at least two" ~857, three fit.
  expect(termsRequired(terms, 1_000, 300)).toBe(3);
  // Among a million chunks the same words seldom meet: two of them are enough.
  expect(termsRequired(terms, 1_000_000, 1_000)).toBe(2);
  expect(expectedChunks(terms, 1_000).map(Math.round)).toEqual([1_000, 995, 857, 13, 0]);

  // Terms no chunk holds are left out; clauses are the rarest first.
  expect(rankedChunkClauses(terms, 4)).toEqual(["'glacier' & 'retreat' & 'annual' & 'report'"]);
  expect(rankedChunkClauses(terms, 3)).toHaveLength(4);
  expect(rankedChunkClauses([{ lexeme: "o'brien\\x", chunks: 1 }], 1)).toEqual(["'o''brien\\\\x'"]);
});

it("chooses among the five rarest terms only", () => {
  const terms = "abcdefg".split("").map((lexeme, i) => ({ lexeme, chunks: (i + 1) * 100 }));
  const clauses = rankedChunkClauses(terms, 2);
  expect(clauses).toHaveLength(10); // 5 choose 2
  expect(clauses.join(" ")).not.toMatch(/'f'|'g'/);
});

describeEachBackend("lexical search", (backend) => {
  let test: TestDatabase;
  let collectionId: string;
  let userId: string;

  beforeAll(async () => {
    test = await openTestDatabase(backend);
    const user = await createUser({ email: "lexical@example.com", password: "correct horse battery" });
    userId = user.id;
    collectionId = await personalCollectionId(user.id);
  });
  afterAll(() => test.close());

  async function addDocument(name: string, texts: string[]) {
    const document = await insertDocument({ collectionId, uploadedById: userId, name, kind: "text", bytes: new Uint8Array([1]), sha256: name });
    const ids = await insertChunks(
      document.id,
      collectionId,
      name,
      texts.map((text) => ({ text, start: 0, end: text.length, headingPath: [], tokens: 10 })),
    );
    return { documentId: document.id, ids };
  }
  const count = async (lexeme: string) =>
    (await test.db.sql.query<{ chunks: number }>(`SELECT chunks FROM "LexemeCount" WHERE lexeme = $1`, [lexeme]))[0]?.chunks ?? 0;

  it("keeps count of the chunks holding each word as documents come and go", async () => {
    const first = await addDocument("first.txt", ["Volcanoes erupt.", "A volcano erupts often.", "Rivers flood."]);
    await addDocument("second.txt", ["Volcanic ash falls."]);
    expect(await count("volcano")).toBe(2); // "Volcanoes" and "volcano" share the stem
    expect(await count("erupt")).toBe(2);
    expect(await count("")).toBe(4); // all chunks

    await deleteChunks(first.documentId);
    expect(await count("volcano")).toBe(0);
    expect(await count("volcan")).toBe(1);
    expect(await count("")).toBe(1);
    await test.db.sql.query(`DELETE FROM "Document" WHERE id = $1`, [first.documentId]);
    await test.db.sql.query(`DELETE FROM "Chunk"`);
    expect(await count("")).toBe(0);
  });

  it("ranks the passages holding the question's rare words, not every chunk sharing its common ones, in a large knowledge base", async () => {
    await addDocument("figures.txt", Array.from({ length: 40 }, (_, i) => `The annual report, part ${i}, lists the annual figures of the report.`));
    const titled = await addDocument("Annual report", ["Contents and foreword."]);
    const { ids } = await addDocument("ice.txt", [
      "The annual report on glacier retreat: the glacier lost 40 metres.",
      "Glacier retreat continues in the Alps.",
      "Glacier tongues melt.",
    ]);
    const question = "What does the annual report say about glacier retreat?";

    // Small knowledge base: every chunk holding a word is ranked, as always; the
    // document title counts most.
    const everything = await lexicalSearch([collectionId], question, 50);
    expect(everything).toHaveLength(44);
    expect(everything.slice(0, 2).map((h) => h.chunkId)).toEqual([titled.ids[0], ids[0]]);

    // As if it were large (a budget of 10 chunks): only chunks holding three of
    // the four words any chunk has are ranked. Rank and coverage (over all the
    // question's words: 4 of 5) are what the full search gives them.
    const [best, ...rest] = await lexicalSearch([collectionId], question, 1, { budget: 10 });
    expect(rest).toEqual([]);
    expect(best).toEqual(everything.find((h) => h.chunkId === ids[0]));
    expect(best!.coverage).toBe(0.8);

    // Fewer such chunks than the limit: it settles for two of the words when
    // that is expected to rank at most four budgets' worth of chunks (~40.5 here).
    expect(await lexicalSearch([collectionId], question, 3, { budget: 10 })).toEqual([best]);
    expect(await lexicalSearch([collectionId], question, 3, { budget: 11 })).toEqual(everything.slice(0, 3));

    // One statement: the wider clauses (chunksToRank gives them while they fit four
    // budgets) replace the first search only when that ranked fewer than the limit.
    expect((await chunksToRank(question, 10))!.widerClauses).toBeNull();
    const chosen = (await chunksToRank(question, 11))!;
    expect(chosen.required).toBe(3);
    expect(chosen.widerClauses).toEqual(rankedChunkClauses(chosen.terms, 2));
    const search = (limit: number, wider: string[] | null) =>
      test.db.sql.query(LEXICAL_SEARCH_SQL, [question, [collectionId], limit, chosen.clauses, wider]);
    expect(await search(1, chosen.widerClauses)).toEqual([best]);
    expect(await search(3, null)).toEqual([best]);
    expect(await search(3, chosen.widerClauses)).toEqual(everything.slice(0, 3));
    expect((await chunksToRank("glacier", 0))!.widerClauses).toBeNull();

    expect(await lexicalSearch([], question, 5, { budget: 10 })).toEqual([]);
    expect(await lexicalSearch([collectionId], "what is the", 5, { budget: 0 })).toEqual([]);
    const odd = await lexicalSearch([collectionId], "o'brien \\ glacier's 'retreat' | & !", 5, { budget: 0 });
    expect(odd.map((h) => h.chunkId).sort()).toEqual([ids[0], ids[1]].sort());
  });

  it("quotes any lexeme for the database", async () => {
    const lexeme = "o'brien\\x";
    const [clause] = rankedChunkClauses([{ lexeme, chunks: 1 }], 1);
    const [row] = await test.db.sql.query<{ match: boolean }>(
      `SELECT array_to_tsvector(ARRAY[$1]) @@ ANY($2::tsquery[]) AS match`,
      [lexeme, [clause]],
    );
    expect(row!.match).toBe(true);
  });
});
