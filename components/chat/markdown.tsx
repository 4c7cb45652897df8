"use client";

import { memo } from "react";
import ReactMarkdown from "react-markdown";
import rehypeHighlight from "rehype-highlight";
import remarkGfm from "remark-gfm";
import { CitationMarker } from "./citation-marker";
import { remarkCitationMarkers } from "./citation-markers";

/**
 * Renders model output as Markdown (GFM tables, lists, highlighted code). Raw
 * HTML in the text is never rendered (`skipHtml`), and react-markdown's URL
 * filter drops javascript: links. `[n]` markers outside code become citations
 * (see citation-markers.ts) when the answer has source n.
 */
export const Markdown = memo(function Markdown({ text }: { text: string }) {
  return (
    <div className="prose-chat">
      <ReactMarkdown
        skipHtml
        remarkPlugins={[remarkGfm, remarkCitationMarkers]}
        rehypePlugins={[[rehypeHighlight, { detect: true, ignoreMissing: true }]]}
        components={{
          a: ({ href, children }) => (
            <a href={href} target="_blank" rel="noopener noreferrer nofollow">
              {children}
            </a>
          ),
          sup: ({ node, children }) => {
            const n = node?.properties?.dataCitation;
            return typeof n === "number" ? <CitationMarker n={n} /> : <sup>{children}</sup>;
          },
        }}
      >
        {text}
      </ReactMarkdown>
    </div>
  );
});
