"use client";

import { useEffect, useRef } from "react";
import type { DocumentTextWindow } from "./types";

/**
 * A stretch of a document's extracted text; the passage asked for (if any) is
 * marked and scrolled into view.
 */
export function HighlightedText({ window: shown, label }: { window: DocumentTextWindow; label: string }) {
  const mark = useRef<HTMLElement>(null);
  useEffect(() => {
    // A block body: newer browsers return a promise from scrollIntoView, and an effect may only return a cleanup.
    mark.current?.scrollIntoView({ block: "center" });
  }, [shown]);
  const { text, highlight, offset, totalLength } = shown;
  const hasHighlight = highlight && highlight.end > highlight.start;
  return (
    <blockquote
      aria-label={label}
      className="whitespace-pre-wrap break-words rounded-md bg-zinc-50 p-3 text-[0.95rem] leading-relaxed text-zinc-800"
    >
      {offset > 0 && <span className="text-zinc-400">… </span>}
      {hasHighlight ? (
        <>
          {text.slice(0, highlight.start)}
          <mark ref={mark} className="rounded bg-yellow-200 px-0.5 text-zinc-950">
            {text.slice(highlight.start, highlight.end)}
          </mark>
          {text.slice(highlight.end)}
        </>
      ) : (
        text
      )}
      {offset + text.length < totalLength && <span className="text-zinc-400"> …</span>}
    </blockquote>
  );
}
