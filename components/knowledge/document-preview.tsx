"use client";

import { useState } from "react";
import { Dialog } from "./dialog";
import { locationLabel, plural } from "./format";
import { HighlightedText } from "./highlighted-text";
import { Pager } from "./pager";
import type { Chunk, DocumentTextWindow, KnowledgeDocument } from "./types";
import { useFetched } from "./use-fetched";

const TEXT_PAGE_CHARS = 4_000;
const CHUNK_PAGE = 10;

/** What ingestion made of a document: its extracted text and its chunks, a page at a time. */
export function DocumentPreview({ document, onClose }: { document: KnowledgeDocument; onClose: () => void }) {
  const details = [
    document.kind.toUpperCase(),
    document.pageCount ? plural(document.pageCount, "page") : "",
    plural(document.chunkCount, "chunk"),
  ].filter(Boolean);
  return (
    <Dialog title={document.name} subtitle={details.join(" · ")} onClose={onClose}>
      <div className="space-y-6">
        <ExtractedText documentId={document.id} />
        <ChunkList documentId={document.id} />
      </div>
    </Dialog>
  );
}

function ExtractedText({ documentId }: { documentId: string }) {
  const [from, setFrom] = useState(0);
  const { data, error } = useFetched<DocumentTextWindow>(
    `/api/knowledge/documents/${documentId}/text?start=${from}&end=${from + TEXT_PAGE_CHARS}&around=0`,
  );
  return (
    <section aria-labelledby="preview-text" className="space-y-2">
      <h3 id="preview-text" className="font-medium">
        Extracted text
      </h3>
      {error && <p role="alert" className="text-sm text-red-700">{error}</p>}
      {data && (
        <>
          <div className="max-h-72 overflow-y-auto">
            <HighlightedText window={{ ...data, highlight: undefined }} label="Extracted text" />
          </div>
          <Pager
            label="Characters"
            from={from}
            to={from + data.text.length}
            total={data.totalLength}
            onMove={(direction) => setFrom((at) => Math.max(0, at + direction * TEXT_PAGE_CHARS))}
          />
        </>
      )}
      {!data && !error && <p className="text-sm text-zinc-500">Loading…</p>}
    </section>
  );
}

function ChunkList({ documentId }: { documentId: string }) {
  const [offset, setOffset] = useState(0);
  const { data, error } = useFetched<{ total: number; chunks: Chunk[] }>(
    `/api/knowledge/documents/${documentId}/chunks?offset=${offset}&limit=${CHUNK_PAGE}`,
  );
  return (
    <section aria-labelledby="preview-chunks" className="space-y-2">
      <h3 id="preview-chunks" className="font-medium">
        Chunks
      </h3>
      {error && <p role="alert" className="text-sm text-red-700">{error}</p>}
      {data && (
        <>
          <ol aria-label="Chunks" className="space-y-2">
            {data.chunks.map((chunk) => (
              <li key={chunk.id} className="rounded-md border border-zinc-200 p-2 text-sm">
                <p className="mb-1 text-xs text-zinc-500">
                  {[`#${chunk.ord + 1}`, locationLabel(chunk), plural(chunk.tokens, "token")].filter(Boolean).join(" · ")}
                </p>
                <p className="line-clamp-4 whitespace-pre-wrap break-words text-zinc-800">{chunk.text}</p>
              </li>
            ))}
          </ol>
          <Pager
            label="Chunks"
            from={offset}
            to={offset + data.chunks.length}
            total={data.total}
            onMove={(direction) => setOffset((at) => Math.max(0, at + direction * CHUNK_PAGE))}
          />
        </>
      )}
      {!data && !error && <p className="text-sm text-zinc-500">Loading…</p>}
    </section>
  );
}
