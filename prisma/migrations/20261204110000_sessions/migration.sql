-- Server-side sign-in sessions: the session cookie (a JWT) carries the id of
-- one row, and every authenticated request checks that row, so signing out,
-- "sign out other sessions" and a password change end a cookie at once rather
-- than when it expires.
CREATE TABLE "Session" (
    "id" TEXT NOT NULL,
    "userId" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "lastSeenAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "userAgent" TEXT,
    "revokedAt" TIMESTAMP(3),

    CONSTRAINT "Session_pkey" PRIMARY KEY ("id")
);

CREATE INDEX "Session_userId_idx" ON "Session"("userId");

ALTER TABLE "Session" ADD CONSTRAINT "Session_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- The first account of an install becomes admin. The sign-up whose
-- INSERT ... ON CONFLICT DO NOTHING puts this single row in wins, in the same
-- statement that inserts the user (lib/db/queries/users.ts): no transaction
-- held open, and correct under READ COMMITTED, where a "no users yet?" count
-- would let two racing first sign-ups both see an empty table.
CREATE TABLE "FirstUserClaim" (
    "id" INTEGER NOT NULL DEFAULT 1,
    "claimedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "FirstUserClaim_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "FirstUserClaim_single_row" CHECK ("id" = 1)
);

-- Installs that already have accounts: their first account exists.
INSERT INTO "FirstUserClaim" ("id") SELECT 1 WHERE EXISTS (SELECT 1 FROM "User");

-- With every account deleted the install is fresh again: the next sign-up becomes admin.
CREATE FUNCTION parley_release_first_user_claim() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM "User") THEN
    DELETE FROM "FirstUserClaim";
  END IF;
  RETURN NULL;
END $$;

CREATE TRIGGER "User_release_first_user_claim" AFTER DELETE ON "User"
  FOR EACH STATEMENT EXECUTE FUNCTION parley_release_first_user_claim();
