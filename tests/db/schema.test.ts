import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApiKey, userForApiKey } from "../../lib/auth/api-keys";
import { endSession, sessionUser, startSession } from "../../lib/auth/sessions";
import { createUser } from "../../lib/auth/users";
import { migrate, readMigrations } from "../../lib/db/migrate";
import { insertChunks } from "../../lib/db/queries/chunks";
import { describeEachBackend, openTestDatabase, type TestDatabase } from "../helpers/db";

/**
 * Migrates a fresh database with the committed SQL and exercises every model
 * through the generated client: drift between schema.prisma and the SQL fails
 * here.
 */
describeEachBackend("schema and migrations", (backend) => {
  let test: TestDatabase;
  beforeAll(async () => {
    test = await openTestDatabase(backend);
  });
  afterAll(() => test.close());

  it("records applied migrations the way Prisma Migrate does, and re-running is a no-op", async () => {
    const rows = await test.db.sql.query<{ migration_name: string; checksum: string; finished_at: Date | null }>(
      `SELECT migration_name, checksum, finished_at FROM "_prisma_migrations" ORDER BY migration_name`,
    );
    const files = await readMigrations();
    expect(rows.map((r) => [r.migration_name, r.checksum])).toEqual(files.map((f) => [f.name, f.checksum]));
    expect(rows.every((r) => r.finished_at !== null)).toBe(true);
    expect(await migrate(test.db.sql)).toEqual([]);
  });

  it("exercises every model", async () => {
    const { prisma } = test.db;
    const first = await createUser({ email: `first-${backend}@example.com`, password: "long enough" });
    const second = await createUser({ email: `second-${backend}@example.com`, password: "long enough" });
    expect(first.role).toBe("admin");
    expect(second.role).toBe("user");

    const { key } = await createApiKey(second.id, "k");
    expect((await userForApiKey(key))?.id).toBe(second.id);
    const stored = await prisma.apiKey.findFirstOrThrow({ where: { userId: second.id } });
    expect(stored.hash).not.toContain(key.slice(3));

    // Sessions: one row per sign-in, revoked by sign-out; the first account took the admin claim.
    expect(await prisma.firstUserClaim.count()).toBe(1);
    const sessionId = await startSession(second.id, "Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0");
    expect(await sessionUser(sessionId)).toEqual({ id: second.id, email: second.email, role: "user" });
    const session = await prisma.session.findUniqueOrThrow({ where: { id: sessionId } });
    expect(session).toMatchObject({ userId: second.id, userAgent: "Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0", revokedAt: null });
    expect(session.lastSeenAt).toEqual(session.createdAt);
    await endSession(second.id, sessionId);
    expect(await sessionUser(sessionId)).toBeNull();
    expect((await prisma.session.findUniqueOrThrow({ where: { id: sessionId } })).revokedAt).toBeInstanceOf(Date);
    const liveSessionId = await startSession(second.id, null);

    const chat = await prisma.chat.create({ data: { userId: second.id, title: "t" } });
    const message = await prisma.message.create({
      data: {
        chatId: chat.id,
        seq: 1,
        clientId: "c1",
        role: "assistant",
        parts: [{ type: "text", text: "hi" }],
        status: "partial",
        error: "stopped",
        model: "m",
        promptTokens: 1,
        completionTokens: 2,
        ttftMs: 3,
        durationMs: 4,
      },
    });
    // A streaming answer holds a lease; the new statuses round-trip.
    const leased = await prisma.message.create({
      data: { chatId: chat.id, seq: 2, role: "assistant", parts: [], status: "streaming", leaseOwner: "p1", leaseExpiresAt: new Date(Date.now() + 10_000) },
    });
    expect(leased).toMatchObject({ status: "streaming", leaseOwner: "p1" });
    expect((await prisma.message.update({ where: { id: leased.id }, data: { status: "interrupted", leaseOwner: null, leaseExpiresAt: null } })).status).toBe("interrupted");
    await prisma.message.delete({ where: { id: leased.id } });
    await expect(
      prisma.message.create({ data: { chatId: chat.id, seq: 1, role: "user", parts: [] } }),
    ).rejects.toMatchObject({ code: "P2002" });

    await prisma.requestTrace.create({
      data: {
        id: "trace-1",
        kind: "chat",
        source: "ui",
        userId: second.id,
        chatId: chat.id,
        messageId: message.id,
        model: "m",
        outcome: "ok",
        startedAt: new Date(),
        totalMs: 12.5,
        ttftMs: 3.25,
        promptTokens: 1,
        completionTokens: 2,
        tokensPerSec: 40.5,
        stages: { create: [{ name: "auth", startMs: 0, durationMs: 0.5 }] },
      },
    });
    const trace = await prisma.requestTrace.findUniqueOrThrow({ where: { id: "trace-1" }, include: { stages: true } });
    expect(trace.stages[0]).toMatchObject({ name: "auth", durationMs: 0.5 });

    // Knowledge base: collections, grants, documents with their file, chunks (written with SQL: the tsvector).
    const shared = await prisma.collection.create({ data: { name: "Team", shared: true, everyone: false } });
    const own = await prisma.collection.create({ data: { name: "Mine", ownerId: second.id } });
    await prisma.collectionGrant.create({ data: { collectionId: shared.id, userId: second.id } });
    const document = await prisma.document.create({
      data: {
        collectionId: own.id,
        uploadedById: second.id,
        name: "a.pdf",
        kind: "pdf",
        sizeBytes: 3,
        sha256: "abc",
        status: "indexed",
        progress: 1,
        pageCount: 2,
        chunkCount: 1,
        language: "en",
        embeddingModel: "m",
        text: "Hello world",
        pageStarts: [0, 6],
        indexedAt: new Date(),
        file: { create: { bytes: new Uint8Array([1, 2, 3]) } },
      },
    });
    await insertChunks(document.id, own.id, "a.pdf", [
      { text: "world", start: 6, end: 11, headingPath: ["H"], page: 2, pageEnd: 2, tokens: 2 },
    ]);
    const storedDocument = await prisma.document.findUniqueOrThrow({ where: { id: document.id }, include: { file: true, chunks: true } });
    expect(storedDocument.pageStarts).toEqual([0, 6]);
    expect([...storedDocument.file!.bytes]).toEqual([1, 2, 3]);
    expect(storedDocument.chunks[0]).toMatchObject({ text: "world", page: 2, headingPath: ["H"], context: "a.pdf › H" });
    expect(await prisma.lexemeCount.findUnique({ where: { lexeme: "world" } })).toEqual({ lexeme: "world", chunks: 1 });
    expect(await prisma.collectionGrant.count({ where: { userId: second.id } })).toBe(1);

    // Deleting a user removes their chats, messages and keys; traces stay, unlinked.
    await prisma.user.delete({ where: { id: second.id } });
    expect(await prisma.chat.count({ where: { id: chat.id } })).toBe(0);
    expect(await prisma.message.count({ where: { id: message.id } })).toBe(0);
    expect(await prisma.apiKey.count({ where: { userId: second.id } })).toBe(0);
    expect(await prisma.session.count({ where: { id: { in: [sessionId, liveSessionId] } } })).toBe(0);
    expect((await prisma.requestTrace.findUniqueOrThrow({ where: { id: "trace-1" } })).userId).toBeNull();
    // Their collection goes with its documents, file and chunks; the uploader link of shared documents is cleared.
    expect(await prisma.collection.count({ where: { id: own.id } })).toBe(0);
    expect(await prisma.document.count({ where: { id: document.id } })).toBe(0);
    expect(await prisma.chunk.count({ where: { documentId: document.id } })).toBe(0);
    expect(await prisma.collectionGrant.count({ where: { userId: second.id } })).toBe(0);
  });

  it("makes only the very first account admin even when sign-ups race", async () => {
    const { prisma } = test.db;
    await prisma.user.deleteMany();
    // No accounts left: the install is fresh again and the admin claim is free.
    expect(await prisma.firstUserClaim.count()).toBe(0);
    const users = await Promise.all(
      Array.from({ length: 5 }, (_, i) => createUser({ email: `race${i}-${backend}@example.com`, password: "long enough" })),
    );
    expect(users.filter((u) => u.role === "admin")).toHaveLength(1);
    expect(await prisma.firstUserClaim.count()).toBe(1);
  });
});
