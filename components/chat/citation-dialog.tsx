"use client";

import { Dialog } from "@/components/knowledge/dialog";
import { locationLabel } from "@/components/knowledge/format";
import { HighlightedText } from "@/components/knowledge/highlighted-text";
import type { DocumentTextWindow } from "@/components/knowledge/types";
import { useFetched } from "@/components/knowledge/use-fetched";
import type { Source } from "@/lib/chat/knowledge-prompt";

const CONTEXT_CHARS = 800;

/** A cited passage in its document: the text around it, the passage highlighted. */
export function PassageDialog({ source, onClose }: { source: Source; onClose: () => void }) {
  const { data, error } = useFetched<DocumentTextWindow>(
    `/api/knowledge/documents/${source.documentId}/text?start=${source.start}&end=${source.end}&around=${CONTEXT_CHARS}`,
  );
  const subtitle = [`Source ${source.n}`, locationLabel(source)].filter(Boolean).join(" · ");
  return (
    <Dialog title={source.documentName} subtitle={subtitle} onClose={onClose}>
      {error && (
        <p role="alert" className="text-sm text-red-700">
          This passage cannot be shown: {error} The document may have been deleted.
        </p>
      )}
      {!data && !error && <p className="text-sm text-zinc-500">Loading the passage…</p>}
      {data && <HighlightedText window={data} label={`Passage from ${source.documentName}`} />}
    </Dialog>
  );
}
