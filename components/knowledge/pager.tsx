import { button } from "./styles";

/** "Chunks 11–20 of 57" with Previous/Next buttons, for anything read a page at a time. */
export function Pager({
  label,
  from,
  to,
  total,
  onMove,
}: {
  /** What is paged, e.g. "Chunks"; also names the buttons ("Previous chunks"). */
  label: string;
  /** 0-based start of the page shown and its end (exclusive). */
  from: number;
  to: number;
  total: number;
  onMove: (direction: -1 | 1) => void;
}) {
  const noun = label.toLowerCase();
  if (from === 0 && to >= total) return null;
  return (
    <nav aria-label={`${label} pages`} className="flex flex-wrap items-center justify-between gap-2 text-sm text-zinc-600">
      <span aria-live="polite">
        {label} {total === 0 ? 0 : (from + 1).toLocaleString("en")}–{to.toLocaleString("en")} of {total.toLocaleString("en")}
      </span>
      <span className="flex gap-2">
        <button type="button" disabled={from === 0} onClick={() => onMove(-1)} className={button.secondary}>
          Previous {noun}
        </button>
        <button type="button" disabled={to >= total} onClick={() => onMove(1)} className={button.secondary}>
          Next {noun}
        </button>
      </span>
    </nav>
  );
}
