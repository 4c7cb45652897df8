"use client";

import { useState } from "react";
import { CollectionAccess } from "./collection-access";
import { CollectionPicker } from "./collection-picker";
import { DocumentList } from "./document-list";
import { RetrievalStatus } from "./retrieval-status";
import type { Collection, KnowledgeStatus } from "./types";
import { UploadZone } from "./upload-zone";
import { useDocumentFeed } from "./use-document-feed";
import { useFetched } from "./use-fetched";

/** The /knowledge page: retrieval status, collections, uploads and the live document list. */
export function KnowledgeBase({ isAdmin }: { isAdmin: boolean }) {
  const status = useFetched<KnowledgeStatus>("/api/knowledge/status");
  const collections = useFetched<{ collections: Collection[] }>("/api/knowledge/collections");
  const { documents, state } = useDocumentFeed();
  const [selectedId, setSelectedId] = useState<string | null>(null);

  const list = collections.data?.collections ?? [];
  const selected = list.find((c) => c.id === selectedId) ?? list[0];
  const shown = selected && documents ? documents.filter((d) => d.collectionId === selected.id) : null;

  return (
    <div className="space-y-6">
      <RetrievalStatus status={status.data} error={status.error} />
      {collections.error && (
        <p role="alert" className="text-sm text-red-700">
          Could not load your collections: {collections.error}
        </p>
      )}
      <CollectionPicker
        collections={list}
        selected={selected}
        isAdmin={isAdmin}
        onSelect={setSelectedId}
        onChanged={(id) => {
          if (id) setSelectedId(id);
          collections.reload();
        }}
      />
      {isAdmin && selected?.shared && <CollectionAccess collection={selected} onChanged={collections.reload} />}
      {selected?.writable && <UploadZone collectionId={selected.id} limits={status.data?.limits} />}
      {state === "reconnecting" && (
        <p role="status" className="text-sm text-amber-800">
          Live updates paused: reconnecting…
        </p>
      )}
      <DocumentList documents={shown} writable={selected?.writable ?? false} />
    </div>
  );
}
