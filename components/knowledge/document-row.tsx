"use client";

import { useState } from "react";
import { fetchJson } from "./api";
import { INGESTING, formatBytes, plural } from "./format";
import { IngestProgress } from "./ingest-progress";
import { StatusBadge } from "./status-badge";
import { button } from "./styles";
import type { KnowledgeDocument } from "./types";

/** One document: what it is, how far ingestion got, and what can be done with it. */
export function DocumentRow({
  document,
  writable,
  onPreview,
}: {
  document: KnowledgeDocument;
  /** The user may change documents of this collection (cancel, re-index, delete). */
  writable: boolean;
  onPreview: () => void;
}) {
  const ingesting = INGESTING.includes(document.status);
  const facts = [
    document.kind.toUpperCase(),
    formatBytes(document.sizeBytes),
    document.pageCount ? plural(document.pageCount, "page") : "",
    document.chunkCount > 0 ? plural(document.chunkCount, "chunk") : "",
  ].filter(Boolean);

  return (
    <li className="space-y-2 px-3 py-3" data-testid="document-row" data-status={document.status}>
      <div className="flex items-center gap-3">
        <span className="min-w-0 flex-1 truncate font-medium" title={document.name}>
          {document.name}
        </span>
        <StatusBadge status={document.status} />
      </div>
      {ingesting && <IngestProgress document={document} />}
      {document.status === "failed" && document.error && (
        <p className="break-words text-sm text-red-800">Failed: {document.error}</p>
      )}
      <div className="flex flex-wrap items-center justify-between gap-x-3 gap-y-2">
        <p className="text-xs text-zinc-600">{facts.join(" · ")}</p>
        <DocumentActions document={document} writable={writable} ingesting={ingesting} onPreview={onPreview} />
      </div>
    </li>
  );
}

/**
 * Preview, Cancel (while ingesting), Re-index (otherwise) and Delete. The
 * resulting state arrives through the live feed, not from these requests.
 */
function DocumentActions({
  document,
  writable,
  ingesting,
  onPreview,
}: {
  document: KnowledgeDocument;
  writable: boolean;
  ingesting: boolean;
  onPreview: () => void;
}) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const url = `/api/knowledge/documents/${document.id}`;

  async function act(method: "POST" | "DELETE", path = "") {
    setBusy(true);
    setError(null);
    try {
      await fetchJson(`${url}${path}`, { method });
    } catch (failure) {
      setError((failure as Error).message);
    } finally {
      setBusy(false);
    }
  }

  const remove = () => {
    if (window.confirm(`Delete "${document.name}"? Answers will no longer cite it. This cannot be undone.`)) {
      void act("DELETE");
    }
  };

  return (
    <div className="flex flex-wrap gap-2">
      {(document.chunkCount > 0 || document.status === "indexed") && (
        <button type="button" onClick={onPreview} aria-label={`Preview ${document.name}`} className={button.secondary}>
          Preview
        </button>
      )}
      {writable && ingesting && (
        <button
          type="button"
          disabled={busy}
          aria-label={`Cancel ${document.name}`}
          onClick={() => void act("POST", "/cancel")}
          className={button.secondary}
        >
          Cancel
        </button>
      )}
      {writable && !ingesting && (
        <button
          type="button"
          disabled={busy}
          aria-label={`Re-index ${document.name}`}
          onClick={() => void act("POST", "/reindex")}
          className={button.secondary}
        >
          Re-index
        </button>
      )}
      {writable && (
        <button type="button" disabled={busy} aria-label={`Delete ${document.name}`} onClick={remove} className={button.danger}>
          Delete
        </button>
      )}
      {error && (
        <p role="alert" className="basis-full text-sm text-red-700">
          {error}
        </p>
      )}
    </div>
  );
}
