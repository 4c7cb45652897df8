import http from "node:http";
import type { AddressInfo } from "node:net";
import { APP_URL, FIRST_USER } from "./support/env";
import { fakeLlm, uniqueId } from "./support/fake-llm";
import { createAccount, expect, screenshot, signInWithApi, test } from "./support/fixtures";

/**
 * A page on another port of the same host (a "same-site" origin, which
 * SameSite=Lax cookies do not stop) tries what an outside probe once did with
 * a signed-in admin's browser: create an API key, send a chat turn, grant a
 * restricted collection to another user and plant a document. It uses the
 * requests a browser sends without a CORS preflight: a text/plain form, and
 * no-cors fetches with text/plain and multipart bodies.
 */
function attackerPage(collectionId: string, grantee: string, marker: string): string {
  const json = (value: unknown) => JSON.stringify(JSON.stringify(value));
  return `<!doctype html><html><body><h1>Win a prize</h1>
<iframe name="sink" style="display:none"></iframe>
<form id="form" action="${APP_URL}/api/keys" method="POST" enctype="text/plain" target="sink">
  <input type="hidden" name='{"name":"${marker}-form-key","pad":"' value='"}'>
</form>
<script>
  const send = (path, body, type) => fetch("${APP_URL}" + path, {
    method: "POST", mode: "no-cors", credentials: "include",
    headers: type ? { "content-type": type } : {}, body,
  }).catch(() => {});
  const files = new FormData();
  files.append("files", new Blob(["planted by ${marker}"], { type: "text/plain" }), "${marker}-planted.txt");
  document.getElementById("form").submit();
  Promise.all([
    send("/api/keys", ${json({ name: `${marker}-fetch-key` })}, "text/plain;charset=json"),
    send("/api/chat", ${json({ message: `${marker} chat turn` })}, "text/plain"),
    send("/api/knowledge/collections/${collectionId}/grants", ${json({ email: grantee })}, "text/plain;charset=json"),
    send("/api/knowledge/documents", files),
  ]).then(() => setTimeout(() => { document.title = "sent"; }, 500));
</script></body></html>`;
}

test("a page on another origin cannot act with a signed-in admin's cookie", async ({ page, browser }) => {
  const marker = uniqueId("csrf");
  await signInWithApi(page.request, FIRST_USER);
  const grantee = await createAccount(page.request, "grantee");
  const created = await page.request.post("/api/knowledge/collections", { data: { name: `${marker} restricted`, shared: true } });
  expect(created.status()).toBe(201);
  const collectionId = ((await created.json()) as { collection: { id: string } }).collection.id;

  const attacker = http.createServer((_, res) => res.writeHead(200, { "content-type": "text/html" }).end(attackerPage(collectionId, grantee.email, marker)));
  await new Promise<void>((resolve) => attacker.listen(0, "127.0.0.1", resolve));
  try {
    const attackerUrl = `http://127.0.0.1:${(attacker.address() as AddressInfo).port}/`;
    await page.goto(attackerUrl);
    await expect(page).toHaveTitle("sent", { timeout: 15_000 });
    await screenshot(page, "csrf-attacker-page");
  } finally {
    attacker.close();
  }

  // The admin's own view: nothing the attacker tried happened.
  const keys = (await (await page.request.get("/api/keys")).json()) as { keys: Array<{ name: string }> };
  expect(keys.keys.map((k) => k.name).filter((name) => name.startsWith(marker))).toEqual([]);
  const documents = (await (await page.request.get("/api/knowledge/documents")).json()) as { documents: Array<{ name: string }> };
  expect(documents.documents.map((d) => d.name).filter((name) => name.startsWith(marker))).toEqual([]);
  expect(await fakeLlm.requests(`${marker} chat turn`)).toEqual([]);
  const chats = (await (await page.request.get(`/api/chats?q=${encodeURIComponent(marker)}`)).json()) as { chats: unknown[] };
  expect(chats.chats).toEqual([]);

  // The grantee still cannot see the restricted collection.
  const granteeContext = await browser.newContext({ baseURL: APP_URL });
  await signInWithApi(granteeContext.request, grantee);
  const visible = (await (await granteeContext.request.get("/api/knowledge/collections")).json()) as { collections: Array<{ id: string }> };
  expect(visible.collections.map((c) => c.id)).not.toContain(collectionId);
  await granteeContext.close();

  // The same requests from Parley's own page succeed: the refusal above was the origin check, not a broken request.
  await page.goto("/settings");
  const own = await page.evaluate(async (name) => {
    const response = await fetch("/api/keys", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ name }) });
    return response.status;
  }, `${marker}-own-key`);
  expect(own).toBe(201);
  await page.reload();
  await expect(page.getByRole("list", { name: "Your API keys" })).toContainText(`${marker}-own-key`);
  await screenshot(page, "csrf-settings-after-attack");
});
