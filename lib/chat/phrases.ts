/**
 * Splits streaming text at its last phrase boundary (sentence end, clause
 * punctuation or newline). Screen readers are given the settled part only, so
 * a live answer is announced phrase by phrase rather than token by token.
 */
export function splitAtPhraseBoundary(text: string): { settled: string; pending: string } {
  const pattern = /[.!?;:](?=\s)|\n/g;
  let end = -1;
  for (let match = pattern.exec(text); match; match = pattern.exec(text)) end = match.index + match[0].length;
  return end < 0 ? { settled: "", pending: text } : { settled: text.slice(0, end), pending: text.slice(end) };
}
