import { afterAll, afterEach, beforeAll, expect, it } from "vitest";
import { startTestApp, type TestApp, type TestUser } from "../helpers/app";
import { describeEachBackend } from "../helpers/db";
import { makeDocx, makePdf, makeZipBomb } from "../helpers/documents";
import { upload, uploadOk, waitForStatus } from "../helpers/knowledge";

const PNG = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52]);

async function errorOf(response: Response): Promise<{ status: number; message: string }> {
  const body = (await response.json()) as { error: { message: string } };
  return { status: response.status, message: body.error.message };
}

describeEachBackend("knowledge base bad input", (backend) => {
  let app: TestApp;
  let admin: TestUser;
  let alice: TestUser;
  let bob: TestUser;

  beforeAll(async () => {
    app = await startTestApp(backend, {}, { ingest: true });
    admin = await app.user();
    alice = await app.user();
    bob = await app.user();
  });
  afterAll(() => app.close());
  afterEach(() => {
    delete process.env.KB_MAX_FILE_BYTES;
    delete process.env.KB_MAX_USER_BYTES;
  });

  it("says in health and on the knowledge status that retrieval is lexical only without an embedding model", async () => {
    // startTestApp sets EMBEDDINGS_DOWNLOAD=0 and no EMBEDDINGS_BASE_URL: no embedding model can be had.
    const health = (await (await admin.fetch("/api/health")).json()) as { knowledge: { retrieval: string; notes: string[] } };
    expect(health.knowledge.retrieval).toBe("lexical");
    expect(health.knowledge.notes[0]).toMatch(/lexical only/i);
    const status = (await (await alice.fetch("/api/knowledge/status")).json()) as { retrieval: string; notes: string[] };
    expect(status).toMatchObject({ retrieval: "lexical", notes: health.knowledge.notes });
  });

  it("decides the type from the content, not the name", async () => {
    const png = await errorOf(await upload(alice, [{ name: "report.pdf", bytes: PNG }]));
    expect(png.status).toBe(415);
    expect(png.message).toContain("PNG");

    const [pdf] = await uploadOk(alice, [{ name: "notes.txt", bytes: makePdf(["Sluice gates hold water."]) }]);
    expect(pdf!.kind).toBe("pdf");
    const [docx] = await uploadOk(alice, [
      { name: "x.bin", bytes: await makeDocx([{ heading: 1, text: "Gates" }, { text: "Mitre gates meet at an angle." }]) },
    ]);
    expect(docx!.kind).toBe("docx");
    expect((await waitForStatus(alice, docx!.id)).chunkCount).toBeGreaterThan(0);
  });

  it("refuses empty files, files over the size limit and uploads over the user's quota", async () => {
    expect((await errorOf(await upload(alice, [{ name: "empty.txt", bytes: "" }]))).status).toBe(422);

    process.env.KB_MAX_FILE_BYTES = "100";
    const big = await errorOf(await upload(alice, [{ name: "big.txt", bytes: "x ".repeat(100) }]));
    expect(big.status).toBe(413);
    expect(big.message).toMatch(/limit/i);
    delete process.env.KB_MAX_FILE_BYTES;

    process.env.KB_MAX_USER_BYTES = "1000";
    const ok = await upload(bob, [{ name: "a.txt", bytes: "a ".repeat(300) }]);
    expect(ok.status).toBe(202);
    const full = await errorOf(await upload(bob, [{ name: "b.txt", bytes: "b ".repeat(300) }]));
    expect(full.status).toBe(413);
    expect(full.message).toContain("knowledge base is full");
  });

  it("takes the good files of a mixed upload and says why the others were refused", async () => {
    const response = await upload(alice, [
      { name: "good.md", bytes: "# Weirs\n\nA weir raises the water upstream." },
      { name: "photo.md", bytes: PNG },
    ]);
    expect(response.status).toBe(202);
    const body = (await response.json()) as { documents: Array<{ name: string }>; rejected: Array<{ name: string; status: number; error: string }> };
    expect(body.documents.map((d) => d.name)).toEqual(["good.md"]);
    expect(body.rejected).toEqual([{ name: "photo.md", status: 415, error: expect.stringContaining("PNG") }]);
  });

  it("fails encrypted, corrupt and image-only PDFs with a reason, and keeps serving", async () => {
    const good = makePdf(["A perfectly ordinary page about locks."]);
    const docs = await uploadOk(alice, [
      { name: "secret.pdf", bytes: makePdf(["Classified."], { encrypted: true }) },
      { name: "broken.pdf", bytes: good.slice(0, Math.floor(good.length / 2)) },
      { name: "scan.pdf", bytes: makePdf(["(an image)"], { imageOnly: true }) },
    ]);
    const [secret, broken, scan] = await Promise.all(docs.map((d) => waitForStatus(alice, d.id, ["failed"])));
    expect(secret!.error).toMatch(/password/i);
    expect(broken!.error).toMatch(/damaged/i);
    expect(scan!.error).toMatch(/no text layer/i);
    // The server is fine: a good document still goes through.
    const [fine] = await uploadOk(alice, [{ name: "fine.pdf", bytes: good }]);
    expect((await waitForStatus(alice, fine!.id)).pageCount).toBe(1);
  });

  it("checks a DOCX's declared size and entry count before decompressing anything", async () => {
    const bomb = await errorOf(await upload(alice, [{ name: "bomb.docx", bytes: makeZipBomb() }]));
    expect(bomb.status).toBe(413);
    expect(bomb.message).toMatch(/would expand/i);
    const crowded = await errorOf(await upload(alice, [{ name: "many.docx", bytes: makeZipBomb({ extraEntries: 10_000, claimedBytes: 1000 }) }]));
    expect(crowded.status).toBe(422);
    expect(crowded.message).toMatch(/files/i);
  });

  it("answers malformed requests with a 4xx that says what is wrong", async () => {
    const notMultipart = await alice.fetch("/api/knowledge/documents", { method: "POST", json: { files: [] } });
    expect((await errorOf(notMultipart)).status).toBe(415);
    const noFiles = await errorOf(await upload(alice, []));
    expect(noFiles).toMatchObject({ status: 400, message: expect.stringContaining("files") });
    const textField = new FormData();
    textField.append("files", "not a file");
    expect((await errorOf(await alice.fetch("/api/knowledge/documents", { method: "POST", body: textField }))).status).toBe(400);
    expect((await alice.fetch("/api/knowledge/documents/not-a-uuid")).status).toBe(400);
    const [doc] = await uploadOk(alice, [{ name: "t.txt", bytes: "Canal boats were pulled by horses." }]);
    const window = await alice.fetch(`/api/knowledge/documents/${doc!.id}/text?start=10&end=2`);
    expect((await errorOf(window)).message).toContain("start must not be after end");
    const search = await alice.fetch("/api/knowledge/search", { method: "POST", json: { query: "" } });
    expect(search.status).toBe(400);
  });

  it("keeps collections private: uploads go only where the user may write", async () => {
    const bobs = (await (await bob.fetch("/api/knowledge/collections")).json()) as { collections: Array<{ id: string }> };
    const intoBobs = await upload(alice, [{ name: "x.txt", bytes: "hello there" }], { collectionId: bobs.collections[0]!.id });
    expect(intoBobs.status).toBe(404);

    const shared = await alice.fetch("/api/knowledge/collections", { method: "POST", json: { name: "Team", shared: true } });
    expect(shared.status).toBe(403);
  });

  it("lets an admin share a collection with chosen users, and only them", async () => {
    const created = await admin.fetch("/api/knowledge/collections", { method: "POST", json: { name: "Handbook", shared: true } });
    expect(created.status).toBe(201);
    const { collection } = (await created.json()) as { collection: { id: string; shared: boolean; writable: boolean } };
    expect(collection).toMatchObject({ shared: true, writable: true });
    const response = await upload(admin, [{ name: "handbook.md", bytes: "# Leave\n\nStaff get thirty days of annual leave." }], {
      collectionId: collection.id,
    });
    const [doc] = ((await response.json()) as { documents: Array<{ id: string }> }).documents;
    await waitForStatus(admin, doc!.id);

    const ask = async (user: TestUser) =>
      ((await (await user.fetch("/api/knowledge/search", { method: "POST", json: { query: "How many days of annual leave?" } })).json()) as {
        passages: Array<{ documentName: string }>;
      }).passages.map((p) => p.documentName);
    expect(await ask(alice)).not.toContain("handbook.md");
    expect((await alice.fetch(`/api/knowledge/documents/${doc!.id}`)).status).toBe(404);

    const grant = await admin.fetch(`/api/knowledge/collections/${collection.id}/grants`, { method: "POST", json: { email: alice.email } });
    expect(grant.status).toBe(204);
    expect(await ask(alice)).toContain("handbook.md");
    expect(await ask(bob)).not.toContain("handbook.md");
    // Read, not write: a granted user cannot delete the shared document.
    expect((await alice.fetch(`/api/knowledge/documents/${doc!.id}`, { method: "DELETE" })).status).toBe(403);

    await admin.fetch(`/api/knowledge/collections/${collection.id}/grants`, { method: "DELETE", json: { email: alice.email } });
    expect(await ask(alice)).not.toContain("handbook.md");

    await admin.fetch(`/api/knowledge/collections/${collection.id}`, { method: "PATCH", json: { everyone: true } });
    expect(await ask(bob)).toContain("handbook.md");
    const unknown = await admin.fetch(`/api/knowledge/collections/${collection.id}/grants`, {
      method: "POST",
      json: { email: "nobody@example.com" },
    });
    expect(unknown.status).toBe(404);
  });
});
