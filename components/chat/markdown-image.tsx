"use client";

import type { ExtraProps } from "react-markdown";
import { useUrlContext } from "./image-hosts";
import { useInsideLink } from "./markdown-link";
import { classifyImage } from "./markdown-urls";

/**
 * An image in an answer. Inline only from Parley itself, data: URLs and the
 * admin's MARKDOWN_IMAGE_HOSTS; from anywhere else it is a placeholder naming
 * the host, and nothing is fetched until the user clicks it (it then opens in
 * a new tab, without referrer). The page's CSP refuses such hosts as well.
 */
export function MarkdownImage({ src, alt }: React.ComponentProps<"img"> & ExtraProps) {
  const context = useUrlContext();
  const insideLink = useInsideLink();
  const decision = classifyImage(typeof src === "string" ? src : "", context);
  const label = alt?.trim() || "Image";

  if (decision.kind === "inline") {
    return (
      // Not next/image: that would fetch the image through Parley's server, from any host.
      <img
        src={decision.src}
        alt={alt ?? ""}
        loading="lazy"
        referrerPolicy="no-referrer"
        className="inline-block max-h-96 max-w-full rounded-lg border border-zinc-200 align-middle"
      />
    );
  }
  if (decision.kind === "refused") {
    return <ImageCard label={label} note="Image not shown: its address is not a web address" />;
  }
  if (insideLink) return <ImageCard label={label} note={`Image from ${decision.host}, not loaded`} />;
  return (
    <a
      href={decision.href}
      target="_blank"
      rel="noopener noreferrer"
      title={decision.href}
      data-image-placeholder=""
      // `!`: the answer's link style (globals.css, .prose-chat a) would make the card blue and underlined.
      className="group inline-flex max-w-full rounded-lg align-middle text-inherit! no-underline! focus-visible:outline-2 focus-visible:outline-blue-600"
    >
      <ImageCard label={label} note={`Image from ${decision.host} · not loaded, click to open`} interactive />
    </a>
  );
}

function ImageCard({ label, note, interactive = false }: { label: string; note: string; interactive?: boolean }) {
  return (
    <span
      className={`inline-flex max-w-full min-w-0 items-center gap-2 rounded-lg border border-dashed border-zinc-300 bg-zinc-50 px-2.5 py-1.5 align-middle text-sm leading-snug text-zinc-700 ${
        interactive ? "group-hover:border-zinc-400 group-hover:bg-zinc-100" : ""
      }`}
    >
      <svg aria-hidden="true" viewBox="0 0 24 24" className="size-5 shrink-0 fill-none stroke-zinc-400 stroke-[1.5]">
        <rect x="3" y="4" width="18" height="16" rx="2" />
        <circle cx="9" cy="10" r="1.75" />
        <path d="m21 16-5-5-9 9" />
      </svg>
      <span className="flex min-w-0 flex-col">
        <span className="truncate font-medium">{label}</span>
        <span className="text-xs break-words text-zinc-500">{note}</span>
      </span>
    </span>
  );
}
