"use client";

import { useState } from "react";
import { fetchJson } from "./api";
import { button } from "./styles";
import type { Collection } from "./types";

/** Admins: who may read a shared collection (everyone, or the people granted by email). */
export function CollectionAccess({ collection, onChanged }: { collection: Collection; onChanged: () => void }) {
  const [email, setEmail] = useState("");
  const [error, setError] = useState<string | null>(null);
  const url = `/api/knowledge/collections/${collection.id}`;

  async function change(run: () => Promise<unknown>) {
    setError(null);
    try {
      await run();
      onChanged();
      return true;
    } catch (failure) {
      setError((failure as Error).message);
      return false;
    }
  }

  return (
    <section aria-label={`Who can read ${collection.name}`} className="space-y-3 rounded-md border border-zinc-200 p-3 text-sm">
      <h2 className="font-medium">Who can read “{collection.name}”</h2>
      <label className="flex items-center gap-2">
        <input
          type="checkbox"
          checked={collection.everyone}
          onChange={(event) =>
            void change(() => fetchJson(url, { method: "PATCH", json: { everyone: event.target.checked } }))
          }
        />
        Everyone signed in to Parley
      </label>
      {!collection.everyone && (
        <>
          <ul aria-label="People with access" className="space-y-1">
            {(collection.grants ?? []).length === 0 && <li className="text-zinc-500">Only admins so far.</li>}
            {(collection.grants ?? []).map((granted) => (
              <li key={granted} className="flex items-center justify-between gap-2">
                <span className="min-w-0 truncate">{granted}</span>
                <button
                  type="button"
                  aria-label={`Revoke access for ${granted}`}
                  onClick={() => void change(() => fetchJson(`${url}/grants`, { method: "DELETE", json: { email: granted } }))}
                  className="shrink-0 text-red-700 underline"
                >
                  Revoke
                </button>
              </li>
            ))}
          </ul>
          <form
            className="flex flex-wrap gap-2"
            onSubmit={(event) => {
              event.preventDefault();
              void change(() => fetchJson(`${url}/grants`, { method: "POST", json: { email } })).then(
                (ok) => ok && setEmail(""),
              );
            }}
          >
            <input
              type="email"
              aria-label="Email to grant access"
              placeholder="name@example.com"
              value={email}
              onChange={(event) => setEmail(event.target.value)}
              className="min-w-0 flex-1 basis-48 rounded-md border border-zinc-300 px-3 py-1.5"
            />
            <button type="submit" className={button.secondary}>
              Grant access
            </button>
          </form>
        </>
      )}
      {error && (
        <p role="alert" className="text-red-700">
          {error}
        </p>
      )}
    </section>
  );
}
