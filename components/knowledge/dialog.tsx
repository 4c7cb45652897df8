"use client";

import { useEffect, useId, useRef } from "react";
import { createPortal } from "react-dom";
import { button } from "./styles";

/**
 * A modal dialog on the native <dialog> element: focus moves in and stays
 * there, Escape and the Close button close it, and the page behind is inert.
 * Rendered only while open (`onClose` unmounts it), at the end of <body>, so
 * it is never read as part of the region that opened it (e.g. a live chat log).
 */
export function Dialog({
  title,
  subtitle,
  onClose,
  children,
}: {
  title: string;
  subtitle?: React.ReactNode;
  onClose: () => void;
  children: React.ReactNode;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  useEffect(() => {
    const dialog = ref.current;
    if (dialog && !dialog.open) dialog.showModal();
  }, []);

  return createPortal(
    <dialog
      ref={ref}
      aria-labelledby={titleId}
      onClose={onClose}
      onClick={(event) => event.target === event.currentTarget && onClose()}
      className="m-auto max-h-[90dvh] w-[min(48rem,calc(100vw-1.5rem))] flex-col overflow-hidden rounded-lg border border-zinc-300 bg-white p-0 text-zinc-900 shadow-xl backdrop:bg-black/40 open:flex"
    >
      <div className="flex items-start justify-between gap-3 border-b border-zinc-200 px-4 py-3">
        <div className="min-w-0">
          <h2 id={titleId} className="break-words font-semibold">
            {title}
          </h2>
          {subtitle && <div className="text-sm text-zinc-600">{subtitle}</div>}
        </div>
        <button
          type="button"
          onClick={onClose}
          className={`shrink-0 ${button.secondary}`}
        >
          Close
        </button>
      </div>
      <div className="min-h-0 flex-1 overflow-y-auto px-4 py-3">{children}</div>
    </dialog>,
    document.body,
  );
}
