"use client";

import { memo } from "react";
import ReactMarkdown, { defaultUrlTransform, type UrlTransform } from "react-markdown";
import rehypeHighlight from "rehype-highlight";
import remarkGfm from "remark-gfm";
import { CitationMarker } from "./citation-marker";
import { remarkCitationMarkers } from "./citation-markers";
import { MarkdownImage } from "./markdown-image";
import { MarkdownLink } from "./markdown-link";

/**
 * Link and image addresses reach MarkdownLink and MarkdownImage untouched:
 * they decide themselves (markdown-urls.ts), and must see a data: image or a
 * javascript: link to show it as what it is. Every other URL gets
 * react-markdown's own filter.
 */
const urlTransform: UrlTransform = (url, key, node) =>
  (node.tagName === "a" && key === "href") || (node.tagName === "img" && key === "src") ? url : defaultUrlTransform(url);

/**
 * Renders model output as Markdown (GFM tables, lists, highlighted code). Raw
 * HTML in the text is never rendered (`skipHtml`). Model output is untrusted
 * (a document the user uploaded may steer it): images from unknown hosts are
 * never fetched by themselves and links show their real target (see
 * markdown-image.tsx, markdown-link.tsx). `[n]` markers outside code become
 * citations (see citation-markers.ts) when the answer has source n.
 */
export const Markdown = memo(function Markdown({ text }: { text: string }) {
  return (
    <div className="prose-chat">
      <ReactMarkdown
        skipHtml
        urlTransform={urlTransform}
        remarkPlugins={[remarkGfm, remarkCitationMarkers]}
        rehypePlugins={[[rehypeHighlight, { detect: true, ignoreMissing: true }]]}
        components={{
          a: MarkdownLink,
          img: MarkdownImage,
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
