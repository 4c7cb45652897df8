-- How many chunks contain each full-text lexeme, kept exact by triggers on "Chunk"
-- (the row with the empty lexeme counts all chunks). Lexical search reads the
-- counts of a question's terms to choose which chunks to rank: at 100k chunks
-- an OR over a question's common terms matched ~20k chunks, and ranking them
-- all took ~70 ms in the embedded database (npm run bench:retrieval).
CREATE TABLE "LexemeCount" (
    "lexeme" TEXT NOT NULL,
    "chunks" INTEGER NOT NULL,

    CONSTRAINT "LexemeCount_pkey" PRIMARY KEY ("lexeme")
);

-- Counts change in place: room on each page keeps updates HOT (PGlite has no autovacuum).
ALTER TABLE "LexemeCount" SET (fillfactor = 70);

INSERT INTO "LexemeCount" ("lexeme", "chunks")
SELECT word, ndoc FROM ts_stat('SELECT tsv FROM "Chunk"')
UNION ALL
SELECT '', count(*)::int FROM "Chunk";

CREATE FUNCTION parley_count_lexemes() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  -- One writer at a time: two transactions that each change several documents'
  -- chunks would otherwise lock the same counts in different orders (deadlock).
  PERFORM pg_advisory_xact_lock(hashtext('LexemeCount'));
  IF TG_OP IN ('DELETE', 'UPDATE') THEN
    UPDATE "LexemeCount" l SET "chunks" = l."chunks" - r.n
    FROM (SELECT x.lexeme, count(*)::int AS n
          FROM (SELECT '' AS lexeme FROM removed
                UNION ALL SELECT unnest(tsvector_to_array(tsv)) FROM removed) x
          GROUP BY x.lexeme) r
    WHERE l."lexeme" = r.lexeme;
  END IF;
  IF TG_OP IN ('INSERT', 'UPDATE') THEN
    INSERT INTO "LexemeCount" ("lexeme", "chunks")
    SELECT x.lexeme, count(*)::int
    FROM (SELECT '' AS lexeme FROM added
          UNION ALL SELECT unnest(tsvector_to_array(tsv)) FROM added) x
    GROUP BY x.lexeme ORDER BY x.lexeme
    ON CONFLICT ("lexeme") DO UPDATE SET "chunks" = "LexemeCount"."chunks" + EXCLUDED."chunks";
  END IF;
  RETURN NULL;
END $$;

CREATE TRIGGER "Chunk_count_lexemes_insert" AFTER INSERT ON "Chunk"
  REFERENCING NEW TABLE AS added FOR EACH STATEMENT EXECUTE FUNCTION parley_count_lexemes();
CREATE TRIGGER "Chunk_count_lexemes_delete" AFTER DELETE ON "Chunk"
  REFERENCING OLD TABLE AS removed FOR EACH STATEMENT EXECUTE FUNCTION parley_count_lexemes();
-- (Transition tables rule out "UPDATE OF tsv": any update recounts its rows.)
CREATE TRIGGER "Chunk_count_lexemes_update" AFTER UPDATE ON "Chunk"
  REFERENCING OLD TABLE AS removed NEW TABLE AS added FOR EACH STATEMENT EXECUTE FUNCTION parley_count_lexemes();
