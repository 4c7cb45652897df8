import type { DocumentStatus } from "./types";

export function formatBytes(bytes: number): string {
  const units = ["B", "KB", "MB", "GB", "TB"];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  // One decimal below 10 ("2.5 MB"), none above ("250 MB"), none for whole numbers ("1 GB").
  const shown = unit === 0 || value >= 10 || Number.isInteger(value) ? Math.round(value) : value.toFixed(1);
  return `${shown} ${units[unit]}`;
}

/** "1 chunk", "1,024 chunks". */
export function plural(count: number, noun: string): string {
  return `${count.toLocaleString("en")} ${noun}${count === 1 ? "" : "s"}`;
}

/** "page 3", "pages 3–5", or "" for documents without pages. */
export function pagesLabel(page: number | null | undefined, pageEnd?: number | null): string {
  if (page == null) return "";
  return pageEnd != null && pageEnd !== page ? `pages ${page}–${pageEnd}` : `page ${page}`;
}

export const STATUS_LABEL: Record<DocumentStatus, string> = {
  queued: "Queued",
  extracting: "Extracting",
  chunking: "Chunking",
  embedding: "Embedding",
  indexed: "Indexed",
  failed: "Failed",
  cancelled: "Cancelled",
};

export const INGESTING: DocumentStatus[] = ["queued", "extracting", "chunking", "embedding"];

/** Where each ingestion stage sits on one 0..1 bar (extraction and embedding take longest). */
const STAGE_SPAN: Partial<Record<DocumentStatus, [number, number]>> = {
  queued: [0, 0],
  extracting: [0, 0.35],
  chunking: [0.35, 0.45],
  embedding: [0.45, 1],
  indexed: [1, 1],
};

/** Progress across all stages (the API reports progress within the current one). */
export function overallProgress(status: DocumentStatus, progress: number): number {
  const span = STAGE_SPAN[status];
  if (!span) return 0;
  const within = Math.min(1, Math.max(0, progress));
  return span[0] + (span[1] - span[0]) * within;
}

/** "page 3 · Chapter › Section": where a passage sits in its document. */
export function locationLabel(passage: { page: number | null; pageEnd: number | null; headingPath: string[] }): string {
  return [pagesLabel(passage.page, passage.pageEnd), passage.headingPath.join(" › ")].filter(Boolean).join(" · ");
}
