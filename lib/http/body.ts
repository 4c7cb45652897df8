import { HttpError, badRequest } from "./errors";

/**
 * Reads a request body, refusing it as soon as it passes `maxBytes`: a
 * declared Content-Length over the limit is refused before a byte is read,
 * and a body sent without one (chunked) is cut off where it crosses the
 * limit. Reading a 60 MB body whole and then answering 413 cost the server
 * the 60 MB first.
 */
export async function readBody(
  request: Request,
  maxBytes: number,
  tooLarge: (maxBytes: number, declared?: number) => HttpError = bodyTooLarge,
): Promise<Uint8Array> {
  const declared = request.headers.get("content-length");
  if (declared !== null) {
    const length = Number(declared);
    if (!Number.isSafeInteger(length) || length < 0) throw badRequest("Content-Length is not a byte count.");
    if (length > maxBytes) throw tooLarge(maxBytes, length);
  }
  if (!request.body) return new Uint8Array(0);
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.byteLength;
      if (total > maxBytes) {
        await reader.cancel().catch(() => {});
        throw tooLarge(maxBytes);
      }
      chunks.push(value);
    }
  } catch (error) {
    if (error instanceof HttpError) throw error;
    throw badRequest("The request body could not be read (the client stopped sending?).");
  } finally {
    reader.releaseLock();
  }
  if (chunks.length === 1) return chunks[0]!;
  const body = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    body.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return body;
}

export function bodyTooLarge(maxBytes: number, declared?: number): HttpError {
  const size = declared === undefined ? "" : ` ${declared} bytes,`;
  return new HttpError("payload_too_large", `The body is${size} larger than the ${maxBytes} bytes accepted here.`);
}

const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false });

/** The body as UTF-8 text; bytes that are not UTF-8 are a 400, not U+FFFD in the database. */
export function decodeUtf8(bytes: Uint8Array): string {
  try {
    return utf8.decode(bytes);
  } catch {
    throw badRequest("The body is not valid UTF-8.");
  }
}

/** The media type of a Content-Type header without its parameters, lower-cased ("" when absent). */
export function mediaType(request: Request): string {
  return (request.headers.get("content-type") ?? "").split(";")[0]!.trim().toLowerCase();
}
