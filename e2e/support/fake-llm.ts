import { FAKE_LLM_URL } from "./env";

export type { FakeBehaviour, FakeRule, RecordedRequest } from "../../tests/fake-llm/server";
import type { FakeBehaviour, FakeRule, RecordedRequest } from "../../tests/fake-llm/server";

/** Steers the shared fake model server over HTTP. Use a unique `match` per test. */
export const fakeLlm = {
  async rule(rule: FakeRule): Promise<void> {
    const response = await fetch(`${FAKE_LLM_URL}/__fake/rules`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(rule),
    });
    if (!response.ok) throw new Error(`fake LLM rejected the rule: ${response.status} ${await response.text()}`);
  },

  /** Recorded chat completion requests whose messages contain `match` (streamed ones only by default). */
  async requests(match: string, { streamedOnly = true } = {}): Promise<RecordedRequest[]> {
    const response = await fetch(`${FAKE_LLM_URL}/__fake/requests?match=${encodeURIComponent(match)}`);
    if (!response.ok) throw new Error(`fake LLM requests: ${response.status}`);
    const all = (await response.json()) as RecordedRequest[];
    return streamedOnly ? all.filter((request) => request.body.stream === true) : all;
  },

  /** Changes the server's defaults (e.g. `{ embeddingsDelayMs: 3000 }` for slow ingestion); they apply to every request. */
  async defaults(behaviour: FakeBehaviour): Promise<void> {
    const response = await fetch(`${FAKE_LLM_URL}/__fake/defaults`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(behaviour),
    });
    if (!response.ok) throw new Error(`fake LLM rejected the defaults: ${response.status} ${await response.text()}`);
  },

  /** Recorded `/v1/audio/speech` requests whose input contains `match` (`completedAt` set once its audio was sent). */
  async speechRequests(match: string): Promise<Array<{ body: { input?: string }; receivedAt: number; completedAt?: number }>> {
    const response = await fetch(`${FAKE_LLM_URL}/__fake/requests?kind=speech`);
    if (!response.ok) throw new Error(`fake LLM speech requests: ${response.status}`);
    const all = (await response.json()) as Array<{ body: { input?: string }; receivedAt: number; completedAt?: number }>;
    return all.filter((request) => String(request.body.input ?? "").includes(match));
  },

  async reset(): Promise<void> {
    await fetch(`${FAKE_LLM_URL}/__fake/reset`, { method: "POST" });
  },
};

/** A short unique marker for match strings, chat titles and e-mail addresses. */
export function uniqueId(prefix: string): string {
  return `${prefix}${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
}
