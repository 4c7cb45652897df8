"use client";

import { useRef, useState } from "react";
import { errorMessage } from "./api";
import { formatBytes } from "./format";
import { button } from "./styles";
import type { KnowledgeDocument, KnowledgeStatus, Rejection } from "./types";

const ACCEPT = ".pdf,.md,.markdown,.txt,.html,.htm,.docx";

/**
 * Drop files here or pick them: they are sent in uploads of at most the
 * server's per-upload file count. The server decides each file's type and
 * says why it refused one; accepted files appear in the list via the feed.
 */
export function UploadZone({
  collectionId,
  limits,
}: {
  collectionId: string | undefined;
  limits: KnowledgeStatus["limits"] | undefined;
}) {
  const input = useRef<HTMLInputElement>(null);
  const [dragging, setDragging] = useState(false);
  const [uploading, setUploading] = useState(0);
  const [added, setAdded] = useState<number | null>(null);
  const [rejected, setRejected] = useState<Rejection[]>([]);

  async function upload(files: File[]) {
    if (files.length === 0) return;
    setAdded(null);
    setRejected([]);
    // Not worth sending: the server would refuse it after the whole upload.
    const maxBytes = limits?.maxFileBytes ?? Infinity;
    const tooBig = files.filter((file) => file.size > maxBytes);
    const refused: Rejection[] = tooBig.map((file) => ({
      name: file.name,
      status: 413,
      error: `The file is ${formatBytes(file.size)}; at most ${formatBytes(maxBytes)} per file.`,
    }));
    const sendable = files.filter((file) => !tooBig.includes(file));
    let accepted = 0;
    setUploading(sendable.length);
    try {
      for (const batch of batches(sendable, limits?.maxFilesPerUpload ?? 20)) {
        const outcome = await send(batch, collectionId);
        accepted += outcome.documents.length;
        refused.push(...outcome.rejected);
      }
    } finally {
      setUploading(0);
      setAdded(accepted);
      setRejected(refused);
    }
  }

  return (
    <section aria-labelledby="upload-heading" className="space-y-2">
      <h2 id="upload-heading" className="sr-only">
        Upload documents
      </h2>
      <div
        data-testid="drop-zone"
        onDragOver={(event) => {
          event.preventDefault();
          event.dataTransfer.dropEffect = "copy";
          setDragging(true);
        }}
        onDragLeave={() => setDragging(false)}
        onDrop={(event) => {
          event.preventDefault();
          setDragging(false);
          void upload(Array.from(event.dataTransfer.files));
        }}
        className={`flex flex-col items-center gap-2 rounded-lg border-2 border-dashed px-4 py-6 text-center text-sm transition-colors ${
          dragging ? "border-blue-500 bg-blue-50" : "border-zinc-300 bg-zinc-50"
        }`}
      >
        <p className="text-zinc-700">Drop PDF, Word, Markdown, HTML or text files here, or</p>
        <button
          type="button"
          onClick={() => input.current?.click()}
          disabled={uploading > 0}
          className={button.primary}
        >
          Upload files
        </button>
        <input
          ref={input}
          type="file"
          multiple
          accept={ACCEPT}
          aria-label="Choose files to upload"
          className="sr-only"
          tabIndex={-1}
          onChange={(event) => {
            const files = Array.from(event.target.files ?? []);
            event.target.value = "";
            void upload(files);
          }}
        />
      </div>
      <p role="status" className="text-sm text-zinc-600">
        {uploading > 0
          ? `Uploading ${plural(uploading)}…`
          : added !== null && added > 0
            ? `${plural(added)} added: indexing starts now.`
            : ""}
      </p>
      {rejected.length > 0 && (
        <div role="alert" className="rounded-md border border-red-200 bg-red-50 p-3 text-sm text-red-800">
          <p className="font-medium">{rejected.length === 1 ? "One file was not added:" : `${rejected.length} files were not added:`}</p>
          <ul className="mt-1 list-disc space-y-0.5 pl-5">
            {rejected.map((r, i) => (
              <li key={`${r.name}-${i}`} className="break-words">
                <span className="font-medium">{r.name}</span>: {r.error}
              </li>
            ))}
          </ul>
        </div>
      )}
    </section>
  );
}

async function send(
  files: File[],
  collectionId: string | undefined,
): Promise<{ documents: KnowledgeDocument[]; rejected: Rejection[] }> {
  const form = new FormData();
  for (const file of files) form.append("files", file, file.name);
  if (collectionId) form.append("collectionId", collectionId);
  try {
    const response = await fetch("/api/knowledge/documents", { method: "POST", body: form });
    if (response.ok) return (await response.json()) as { documents: KnowledgeDocument[]; rejected: Rejection[] };
    const body = (await response.clone().json().catch(() => null)) as { rejected?: Rejection[] } | null;
    if (body?.rejected?.length) return { documents: [], rejected: body.rejected };
    const message = await errorMessage(response, `The upload failed (${response.status}).`);
    return { documents: [], rejected: files.map((file) => ({ name: file.name, status: response.status, error: message })) };
  } catch {
    const error = "The upload did not reach the server. Check your connection and try again.";
    return { documents: [], rejected: files.map((file) => ({ name: file.name, status: 0, error })) };
  }
}

function batches<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

function plural(count: number): string {
  return count === 1 ? "1 file" : `${count} files`;
}
