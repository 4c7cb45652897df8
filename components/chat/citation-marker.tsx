"use client";

import { useCitations } from "./sources";

/** A `[n]` in an answer: a superscript button opening source n, or plain text when there is no such source. */
export function CitationMarker({ n }: { n: number }) {
  const citations = useCitations();
  const source = citations?.source(n);
  if (!citations || !source) return <>[{n}]</>;
  return (
    <sup className="mx-px">
      <button
        type="button"
        aria-label={`Source ${n}`}
        title={source.documentName}
        onClick={() => citations.open(source)}
        className="rounded bg-blue-100 px-1 py-px text-[0.75rem] font-semibold leading-none text-blue-800 hover:bg-blue-200 focus-visible:outline-2 focus-visible:outline-blue-600"
      >
        {n}
      </button>
    </sup>
  );
}
