import { STATUS_LABEL } from "./format";
import type { DocumentStatus } from "./types";

const TONE: Record<DocumentStatus, string> = {
  queued: "border-zinc-300 bg-zinc-100 text-zinc-700",
  extracting: "border-blue-200 bg-blue-50 text-blue-800",
  chunking: "border-blue-200 bg-blue-50 text-blue-800",
  embedding: "border-blue-200 bg-blue-50 text-blue-800",
  indexed: "border-green-300 bg-green-50 text-green-800",
  failed: "border-red-300 bg-red-50 text-red-800",
  cancelled: "border-zinc-300 bg-white text-zinc-600",
};

/** The document's ingestion state in one word. */
export function StatusBadge({ status }: { status: DocumentStatus }) {
  return (
    <span
      data-testid="document-status"
      className={`inline-flex shrink-0 items-center rounded-full border px-2 py-0.5 text-xs font-medium leading-4 ${TONE[status]}`}
    >
      {STATUS_LABEL[status]}
    </span>
  );
}
