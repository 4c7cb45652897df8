import type { DocumentView } from "../../lib/db/queries/documents";
import type { TestUser } from "./app";
import { waitFor } from "./app";

export interface UploadFile {
  name: string;
  bytes: Uint8Array | string;
}

/** POSTs files to /api/knowledge/documents as a browser form would. */
export function upload(user: TestUser, files: UploadFile[], fields: Record<string, string> = {}): Promise<Response> {
  const form = new FormData();
  for (const file of files) {
    const bytes = typeof file.bytes === "string" ? new TextEncoder().encode(file.bytes) : file.bytes;
    form.append("files", new Blob([bytes as BlobPart]), file.name);
  }
  for (const [key, value] of Object.entries(fields)) form.append(key, value);
  return user.fetch("/api/knowledge/documents", { method: "POST", body: form });
}

export async function uploadOk(user: TestUser, files: UploadFile[]): Promise<DocumentView[]> {
  const response = await upload(user, files);
  if (response.status !== 202) throw new Error(`upload answered ${response.status}: ${await response.text()}`);
  return ((await response.json()) as { documents: DocumentView[] }).documents;
}

export async function getDocument(user: TestUser, id: string): Promise<DocumentView> {
  const response = await user.fetch(`/api/knowledge/documents/${id}`);
  if (!response.ok) throw new Error(`document ${id}: ${response.status}`);
  return ((await response.json()) as { document: DocumentView }).document;
}

/** Waits until the document reaches one of `statuses` (default: indexed); fails fast on "failed". */
export function waitForStatus(
  user: TestUser,
  id: string,
  statuses: string[] = ["indexed"],
  timeoutMs = 20_000,
): Promise<DocumentView> {
  return waitFor(async () => {
    const document = await getDocument(user, id);
    if (document.status === "failed" && !statuses.includes("failed")) {
      throw new Error(`ingestion failed: ${document.error}`);
    }
    return statuses.includes(document.status) ? document : undefined;
  }, timeoutMs);
}

/** Reads server-sent events as they arrive (the knowledge page's live feed). */
export async function* sseEvents(response: Response): AsyncGenerator<unknown> {
  const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buffer += value;
      let end: number;
      while ((end = buffer.indexOf("\n\n")) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const data = block
          .split("\n")
          .filter((line) => line.startsWith("data: "))
          .map((line) => line.slice(6))
          .join("");
        if (data) yield JSON.parse(data);
      }
    }
  } finally {
    await reader.cancel().catch(() => {});
  }
}
