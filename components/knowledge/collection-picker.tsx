"use client";

import { useState } from "react";
import { fetchJson } from "./api";
import { button } from "./styles";
import type { Collection } from "./types";

/**
 * Chooses the collection the page shows and uploads into (the user's own and
 * the shared ones they may read), and creates new ones: shared ones by admins.
 */
export function CollectionPicker({
  collections,
  selected,
  isAdmin,
  onSelect,
  onChanged,
}: {
  collections: Collection[];
  selected: Collection | undefined;
  isAdmin: boolean;
  onSelect: (id: string) => void;
  /** Collections were created or deleted: load them again (and select `id` when given). */
  onChanged: (id?: string) => void;
}) {
  const [creating, setCreating] = useState(false);
  const [error, setError] = useState<string | null>(null);
  // The first own collection is the personal default that uploads land in: it stays.
  const personalId = collections.find((c) => !c.shared)?.id;

  async function remove(collection: Collection) {
    if (!window.confirm(`Delete the collection "${collection.name}" and all its documents? This cannot be undone.`)) return;
    try {
      await fetchJson(`/api/knowledge/collections/${collection.id}`, { method: "DELETE" });
      onChanged(personalId);
    } catch (failure) {
      setError((failure as Error).message);
    }
  }

  return (
    <section aria-label="Collections" className="space-y-2">
      <div className="flex flex-wrap items-end gap-2">
        <label className="flex min-w-0 flex-1 basis-56 flex-col gap-1 text-sm">
          <span className="font-medium">Collection</span>
          <select
            value={selected?.id ?? ""}
            onChange={(event) => onSelect(event.target.value)}
            className="rounded-md border border-zinc-300 bg-white px-2 py-2"
          >
            {collections.map((c) => (
              <option key={c.id} value={c.id}>
                {c.name}
                {c.shared ? (c.everyone ? " (shared with everyone)" : " (shared)") : ""}
              </option>
            ))}
          </select>
        </label>
        {!creating && (
          <button type="button" onClick={() => setCreating(true)} className={button.secondary}>
            New collection
          </button>
        )}
        {selected?.writable && selected.id !== personalId && (
          <button type="button" onClick={() => void remove(selected)} className={button.danger}>
            Delete collection
          </button>
        )}
      </div>
      {creating && (
        <NewCollectionForm
          isAdmin={isAdmin}
          onDone={(id) => {
            setCreating(false);
            if (id) onChanged(id);
          }}
        />
      )}
      {error && (
        <p role="alert" className="text-sm text-red-700">
          {error}
        </p>
      )}
      {selected && !selected.writable && (
        <p className="text-sm text-zinc-600">This collection is shared with you to read: only an admin can add to it.</p>
      )}
    </section>
  );
}

function NewCollectionForm({ isAdmin, onDone }: { isAdmin: boolean; onDone: (createdId?: string) => void }) {
  const [name, setName] = useState("");
  const [shared, setShared] = useState(false);
  const [error, setError] = useState<string | null>(null);

  async function create(event: React.FormEvent) {
    event.preventDefault();
    setError(null);
    try {
      const { collection } = await fetchJson<{ collection: Collection }>("/api/knowledge/collections", {
        method: "POST",
        json: { name, shared },
      });
      onDone(collection.id);
    } catch (failure) {
      setError((failure as Error).message);
    }
  }

  return (
    <form onSubmit={create} aria-label="New collection" className="space-y-2 rounded-md border border-zinc-200 p-3">
      <div className="flex flex-wrap items-center gap-2">
        <input
          aria-label="Collection name"
          placeholder="Collection name"
          value={name}
          autoFocus
          onChange={(event) => setName(event.target.value)}
          className="min-w-0 flex-1 basis-48 rounded-md border border-zinc-300 px-3 py-1.5"
        />
        {isAdmin && (
          <label className="flex items-center gap-1.5 text-sm">
            <input type="checkbox" checked={shared} onChange={(event) => setShared(event.target.checked)} />
            Shared with other users
          </label>
        )}
      </div>
      <div className="flex gap-2 text-sm">
        <button type="submit" className={button.primary}>
          Create collection
        </button>
        <button type="button" onClick={() => onDone()} className={button.secondary}>
          Cancel
        </button>
      </div>
      {error && (
        <p role="alert" className="text-sm text-red-700">
          {error}
        </p>
      )}
    </form>
  );
}
