import { expect, screenshot, test } from "./support/fixtures";
import { uniqueId } from "./support/fake-llm";

test("an API key is shown once, works with /v1/chat/completions and stops working when revoked", async ({
  page,
  request,
  account: _,
  sidebar,
  settings,
}) => {
  await page.goto("/");
  await sidebar.settings.click();
  await expect(page).toHaveURL(/\/settings$/);
  await expect(settings.keyList).toContainText("No keys yet.");

  const name = uniqueId("laptop-script-");
  const key = await settings.createKey(name);
  expect(key).toMatch(/^pk_[A-Za-z0-9_-]{20,}$/);
  await expect(settings.newKeyNotice).toContainText("it will not be shown again");
  await expect(settings.keyRow(name)).toContainText(key.slice(0, 10));
  await expect(settings.keyRow(name)).toContainText("never used");
  await screenshot(page, "api-key-created");

  // Shown once: after a reload only its prefix is listed.
  await page.reload();
  await expect(settings.keyRow(name)).toBeVisible();
  await expect(settings.newKey).toHaveCount(0);
  await expect(page.getByText(key)).toHaveCount(0);

  // Use it like a script would (no cookies in `request`).
  const marker = uniqueId("apikey");
  const headers = { authorization: `Bearer ${key}` };
  const completion = await request.post("/v1/chat/completions", {
    headers,
    data: { model: "parley", messages: [{ role: "user", content: `${marker} hello over the API` }] },
  });
  expect(completion.status(), await completion.text()).toBe(200);
  const body = (await completion.json()) as {
    object: string;
    choices: Array<{ message: { role: string; content: string }; finish_reason: string }>;
  };
  expect(body.object).toBe("chat.completion");
  expect(body.choices[0]?.message).toEqual({ role: "assistant", content: `You said: ${marker} hello over the API` });
  expect(body.choices[0]?.finish_reason).toBe("stop");

  const models = await request.get("/v1/models", { headers });
  expect(models.status()).toBe(200);

  // The same key works with /api/chat (the UI's streaming endpoint), as the page says.
  const uiStream = await request.post("/api/chat", { headers, data: { message: `${marker} via the chat endpoint` } });
  expect(uiStream.status(), await uiStream.text()).toBe(200);
  const deltas = (await uiStream.text())
    .split("\n")
    .filter((line) => line.startsWith("data: {"))
    .map((line) => JSON.parse(line.slice("data: ".length)) as { type: string; delta?: string })
    .filter((event) => event.type === "text-delta")
    .map((event) => event.delta ?? "");
  expect(deltas.join("")).toBe(`You said: ${marker} via the chat endpoint`);

  // Without a key, or with a wrong one: 401.
  expect((await request.post("/v1/chat/completions", { data: { messages: [{ role: "user", content: "hi" }] } })).status()).toBe(401);
  expect(
    (
      await request.post("/v1/chat/completions", {
        headers: { authorization: "Bearer pk_not-a-real-key" },
        data: { messages: [{ role: "user", content: "hi" }] },
      })
    ).status(),
  ).toBe(401);

  // The list notices it was used.
  await page.reload();
  await expect(settings.keyRow(name)).toContainText("last used");

  await settings.revoke(name);
  await expect(settings.keyRow(name)).toHaveCount(0);
  await expect(settings.keyList).toContainText("No keys yet.");
  await screenshot(page, "api-key-revoked");

  const revoked = await request.post("/v1/chat/completions", {
    headers,
    data: { model: "parley", messages: [{ role: "user", content: `${marker} still there?` }] },
  });
  expect(revoked.status()).toBe(401);
  const error = (await revoked.json()) as { error?: { message?: string } };
  expect(error.error?.message).toMatch(/revoked/i);
});
