import { decodeUtf8 } from "./detect";
import { ExtractionError } from "./types";

/** UTF-8 bytes to text: byte-order mark dropped, CRLF and lone CR line ends made LF. */
export function decodeText(bytes: Uint8Array): string {
  const text = decodeUtf8(bytes);
  if (text === undefined) throw new ExtractionError("The file is not UTF-8 text");
  return normalizeLineEnds(text.replace(/^\uFEFF/, ""));
}

export function normalizeLineEnds(text: string): string {
  return text.replace(/\r\n?/g, "\n");
}
