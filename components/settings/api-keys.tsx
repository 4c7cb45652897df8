"use client";

import { useCallback, useEffect, useState } from "react";
import { Outcome } from "./outcome";
import { SettingsSection } from "./section";

interface Key {
  id: string;
  name: string;
  prefix: string;
  createdAt: string;
  lastUsedAt: string | null;
}

/** Create, list and revoke API keys for /api/chat and the OpenAI-compatible /v1 API. */
export function ApiKeys() {
  const [keys, setKeys] = useState<Key[]>([]);
  const [name, setName] = useState("");
  const [created, setCreated] = useState<string | null>(null);
  const [copied, setCopied] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const load = useCallback(async () => {
    const response = await fetch("/api/keys", { cache: "no-store" });
    if (response.ok) setKeys(((await response.json()) as { keys: Key[] }).keys);
  }, []);
  useEffect(() => void load(), [load]);

  async function create(event: React.FormEvent) {
    event.preventDefault();
    setError(null);
    const response = await fetch("/api/keys", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ name }),
    });
    const body = (await response.json()) as { key?: string; error?: { message: string } };
    if (!response.ok || !body.key) {
      setError(body.error?.message ?? "Could not create the key.");
      return;
    }
    setCreated(body.key);
    setCopied(false);
    setName("");
    void load();
  }

  async function revoke(key: Key) {
    if (!window.confirm(`Revoke "${key.name}"? Programs using it will stop working.`)) return;
    await fetch(`/api/keys/${key.id}`, { method: "DELETE" });
    void load();
  }

  return (
    <SettingsSection
      id="api-keys"
      title="API keys"
      last
      description={
        <>
          Use a key as <code className="rounded bg-zinc-100 px-1">Authorization: Bearer &lt;key&gt;</code> with{" "}
          <code className="rounded bg-zinc-100 px-1">/api/chat</code> or the OpenAI-compatible{" "}
          <code className="rounded bg-zinc-100 px-1">/v1</code> API.
        </>
      }
    >
      <form onSubmit={create} className="flex gap-2">
        <label className="flex-1">
          <span className="sr-only">Key name</span>
          <input
            aria-label="Key name"
            placeholder="Key name, e.g. laptop script"
            value={name}
            onChange={(event) => setName(event.target.value)}
            className="w-full rounded-md border border-zinc-300 px-3 py-2"
          />
        </label>
        <button type="submit" className="rounded-md bg-blue-700 px-4 py-2 font-medium text-white hover:bg-blue-800">
          Create key
        </button>
      </form>
      <Outcome error={error} notice={null} />
      {created && (
        <div role="status" className="rounded-md border border-green-300 bg-green-50 p-3 text-sm">
          <p className="font-medium">Copy this key now: it will not be shown again.</p>
          <div className="mt-1 flex items-start gap-2">
            <code className="block flex-1 break-all rounded bg-white p-2" data-testid="new-api-key">
              {created}
            </code>
            <button
              type="button"
              className="rounded-md border border-green-400 bg-white px-3 py-2 text-sm"
              onClick={() => {
                void navigator.clipboard?.writeText(created).then(() => setCopied(true));
              }}
            >
              {copied ? "Copied" : "Copy"}
            </button>
          </div>
        </div>
      )}
      <ul className="divide-y divide-zinc-200 rounded-md border border-zinc-200" aria-label="Your API keys">
        {keys.length === 0 && <li className="p-3 text-sm text-zinc-500">No keys yet.</li>}
        {keys.map((key) => (
          <li key={key.id} className="flex items-center justify-between gap-2 p-3 text-sm">
            <span>
              <span className="font-medium">{key.name}</span>{" "}
              <code className="text-zinc-500">{key.prefix}…</code>
              <span className="block text-xs text-zinc-500">
                created {new Date(key.createdAt).toLocaleDateString()}
                {key.lastUsedAt ? `, last used ${new Date(key.lastUsedAt).toLocaleString()}` : ", never used"}
              </span>
            </span>
            <button type="button" onClick={() => revoke(key)} className="text-red-700 underline">
              Revoke
            </button>
          </li>
        ))}
      </ul>
    </SettingsSection>
  );
}
