"use client";

import type { KnowledgeStatus } from "./types";
import { formatBytes } from "./format";

const MODE_LABEL: Record<KnowledgeStatus["retrieval"], string> = {
  "hybrid+rerank": "Hybrid search with reranking (keywords and meaning)",
  hybrid: "Hybrid search (keywords and meaning)",
  lexical: "Keyword search only",
};

/**
 * How questions are searched right now and the upload limits. When retrieval
 * is lexical only, the reasons stand out: answers will miss paraphrases.
 */
export function RetrievalStatus({ status, error }: { status: KnowledgeStatus | null; error: string | null }) {
  if (error) {
    return (
      <p role="alert" className="text-sm text-red-700">
        Could not load the knowledge base status: {error}
      </p>
    );
  }
  if (!status) return <p className="text-sm text-zinc-500">Checking the knowledge base…</p>;
  const lexical = status.retrieval === "lexical";
  const { maxFilesPerUpload, maxFileBytes, maxUserBytes } = status.limits;
  return (
    <section aria-label="Retrieval status" className="space-y-2 text-sm">
      <p className="text-zinc-700">
        <span className="font-medium">Retrieval:</span> <span data-testid="retrieval-mode">{MODE_LABEL[status.retrieval]}</span>
        <span className="text-zinc-500">
          {" "}
          · up to {maxFilesPerUpload} files per upload, {formatBytes(maxFileBytes)} each, {formatBytes(maxUserBytes)} in all
        </span>
      </p>
      {lexical ? (
        <div role="note" aria-label="Retrieval notes" className="space-y-1 rounded-md border border-amber-300 bg-amber-50 p-3 text-amber-900">
          <p className="font-semibold">Search by meaning is off: questions only find passages that share their words.</p>
          <Notes notes={status.notes} />
        </div>
      ) : (
        status.notes.length > 0 && (
          <div role="note" aria-label="Retrieval notes" className="text-xs text-zinc-500">
            <Notes notes={status.notes} />
          </div>
        )
      )}
    </section>
  );
}

function Notes({ notes }: { notes: string[] }) {
  return (
    <ul className="space-y-1">
      {notes.map((note) => (
        <li key={note} className="break-words">
          {note}
        </li>
      ))}
    </ul>
  );
}
