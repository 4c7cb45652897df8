import { STATUS_LABEL, overallProgress } from "./format";
import type { KnowledgeDocument } from "./types";

/** One bar for the whole ingestion (extract → chunk → embed), driven by the live feed. */
export function IngestProgress({ document }: { document: KnowledgeDocument }) {
  const percent = Math.round(overallProgress(document.status, document.progress) * 100);
  return (
    <div
      role="progressbar"
      aria-label={`Indexing ${document.name}`}
      aria-valuemin={0}
      aria-valuemax={100}
      aria-valuenow={percent}
      aria-valuetext={`${STATUS_LABEL[document.status]}, ${percent}%`}
      className="h-1.5 w-full overflow-hidden rounded-full bg-zinc-200"
    >
      <div className="h-full rounded-full bg-blue-600 transition-[width] duration-300" style={{ width: `${percent}%` }} />
    </div>
  );
}
