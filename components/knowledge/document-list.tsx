"use client";

import { useState } from "react";
import { DocumentPreview } from "./document-preview";
import { DocumentRow } from "./document-row";
import type { KnowledgeDocument } from "./types";

/** The documents of the chosen collection, newest first, with a preview dialog. */
export function DocumentList({ documents, writable }: { documents: KnowledgeDocument[] | null; writable: boolean }) {
  const [previewId, setPreviewId] = useState<string | null>(null);
  const previewed = documents?.find((d) => d.id === previewId);
  return (
    <section aria-labelledby="documents-heading" className="space-y-2">
      <h2 id="documents-heading" className="text-lg font-semibold">
        Documents
      </h2>
      <ul aria-labelledby="documents-heading" className="divide-y divide-zinc-200 rounded-md border border-zinc-200">
        {documents === null && <li className="p-3 text-sm text-zinc-500">Loading documents…</li>}
        {documents?.length === 0 && <li className="p-3 text-sm text-zinc-500">No documents yet. Upload some above.</li>}
        {documents?.map((document) => (
          <DocumentRow
            key={document.id}
            document={document}
            writable={writable}
            onPreview={() => setPreviewId(document.id)}
          />
        ))}
      </ul>
      {previewed && <DocumentPreview document={previewed} onClose={() => setPreviewId(null)} />}
    </section>
  );
}
