-- Answers are stored while they stream: a row with status 'streaming' is
-- checkpointed every second and held by a lease its Parley process renews.
-- An answer whose owner died (lease lapsed) becomes 'interrupted', keeping
-- the text checkpointed before the crash.
ALTER TYPE "MessageStatus" ADD VALUE IF NOT EXISTS 'streaming';
ALTER TYPE "MessageStatus" ADD VALUE IF NOT EXISTS 'interrupted';

ALTER TABLE "Message" ADD COLUMN "leaseOwner" TEXT;
ALTER TABLE "Message" ADD COLUMN "leaseExpiresAt" TIMESTAMP(3);

-- Only streaming answers hold a lease: the sweep for dead owners reads this small index.
-- (The new enum values cannot appear in DDL of the transaction that adds them.)
CREATE INDEX "Message_leaseExpiresAt_idx" ON "Message"("leaseExpiresAt") WHERE "leaseExpiresAt" IS NOT NULL;
