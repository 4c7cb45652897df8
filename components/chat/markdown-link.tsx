"use client";

import { createContext, useContext } from "react";
import type { ExtraProps } from "react-markdown";
import { classifyLink } from "./markdown-urls";

/** True inside a link from an answer: an image there must not become a second, nested link. */
const InsideLink = createContext(false);
export const useInsideLink = () => useContext(InsideLink);

type HastNode = NonNullable<ExtraProps["node"]> | { type: string; value?: string; children?: HastNode[] };

function textOf(node: HastNode | undefined): string {
  if (!node) return "";
  if ("value" in node && typeof node.value === "string") return node.value;
  return "children" in node && Array.isArray(node.children) ? node.children.map((child) => textOf(child as HastNode)).join("") : "";
}

/**
 * A link in an answer. Web and e-mail links open in a new tab with no opener
 * or referrer, carry their full address as a tooltip and, when their text says
 * something other than their address, show the real host beside the text.
 * Any other scheme (javascript:, data:, vbscript:...) is plain text.
 * In-page #anchors (footnotes) stay ordinary links.
 */
export function MarkdownLink({ node, href, children, ...rest }: React.ComponentProps<"a"> & ExtraProps) {
  const decision = classifyLink(typeof href === "string" ? href : "", textOf(node));
  if (decision.kind === "anchor") {
    const { title: _title, ...props } = rest;
    return (
      <a href={decision.href} {...props}>
        {children}
      </a>
    );
  }
  if (decision.kind === "refused") {
    return <span title="Not a link: only web and e-mail addresses are">{children}</span>;
  }
  return (
    <a href={decision.href} target="_blank" rel="noopener noreferrer nofollow" title={decision.href}>
      <InsideLink.Provider value={true}>{children}</InsideLink.Provider>
      {decision.showTarget && (
        <span className="ml-1 inline-block rounded bg-zinc-100 px-1 align-baseline text-[0.75em] leading-snug font-medium text-zinc-600">
          {decision.target}
        </span>
      )}
    </a>
  );
}
