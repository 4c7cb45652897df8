import { monitorEventLoopDelay } from "node:perf_hooks";
import { afterAll, beforeAll, expect, it } from "vitest";
import { startTestApp, type TestApp } from "../helpers/app";
import { describeEachBackend } from "../helpers/db";

/**
 * 100 sign-ups at once on a fresh install, through POST /api/sign-up: each
 * gets 201 or, for an email someone else just took, 409; never a 500. Exactly
 * one of them becomes admin. The server stays responsive meanwhile (password
 * hashing runs off the event loop).
 */
describeEachBackend("100 sign-ups at once", (backend) => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp(backend);
  });
  afterAll(() => app.close());

  const signUp = (email: string) =>
    fetch(`${app.url}/api/sign-up`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ email, password: "correct horse battery" }),
    });

  it("answer 201 or 409, never 500, and make exactly one admin", async () => {
    expect(await app.database.db.prisma.user.count()).toBe(0);
    // 90 distinct emails, and 5 emails that two people try at the same moment.
    const emails = [
      ...Array.from({ length: 90 }, (_, i) => `racer${i}@example.com`),
      ...Array.from({ length: 5 }, (_, i) => `twice${i}@example.com`),
      ...Array.from({ length: 5 }, (_, i) => `twice${i}@example.com`),
    ];
    const lag = monitorEventLoopDelay({ resolution: 10 });
    lag.enable();
    const started = performance.now();
    const responses = await Promise.all(emails.map(signUp));
    const burstMs = performance.now() - started;
    lag.disable();
    const statuses = responses.map((r) => r.status);
    const bodies = await Promise.all(responses.map((r) => r.json() as Promise<{ user?: { role: string }; error?: { message: string } }>));

    expect(statuses.filter((s) => s !== 201 && s !== 409), "only 201 and 409").toEqual([]);
    expect(statuses.filter((s) => s === 201)).toHaveLength(95);
    expect(statuses.filter((s) => s === 409)).toHaveLength(5);
    for (const body of bodies.filter((b) => b.error)) expect(body.error!.message).toBe("An account with that email already exists.");

    expect(bodies.filter((b) => b.user?.role === "admin")).toHaveLength(1);
    expect(await app.database.db.prisma.user.count({ where: { role: "admin" } })).toBe(1);
    expect(await app.database.db.prisma.user.count()).toBe(95);

    // Hashing 100 passwords takes seconds; on the event loop (bcryptjs) it held the
    // loop for nearly all of that, stalling every other request and stream.
    const worstStallMs = lag.max / 1e6;
    expect(worstStallMs, `worst event loop stall ${worstStallMs.toFixed(0)} ms in ${burstMs.toFixed(0)} ms`).toBeLessThan(burstMs / 10);
  });

  it("a first sign-up on an install whose accounts were all deleted becomes admin again", async () => {
    await app.database.db.prisma.user.deleteMany();
    const responses = await Promise.all(Array.from({ length: 10 }, (_, i) => signUp(`again${i}@example.com`)));
    expect(responses.map((r) => r.status)).toEqual(Array(10).fill(201));
    expect(await app.database.db.prisma.user.count({ where: { role: "admin" } })).toBe(1);
  });
});
