"use client";

import { createContext, useContext, useMemo, useState } from "react";
import { locationLabel } from "@/components/knowledge/format";
import type { KnowledgeReport, Source } from "@/lib/chat/knowledge-prompt";
import type { UiMessage } from "@/lib/chat/ui-messages";
import { PassageDialog } from "./citation-dialog";

/** The knowledge base's report on an answer (its `data-knowledge` part), if it has one. */
export function knowledgeReportOf(message: UiMessage): KnowledgeReport | undefined {
  const part = message.parts.find((p) => p.type === "data-knowledge");
  return part && "data" in part ? (part.data as KnowledgeReport) : undefined;
}

interface Citations {
  source(n: number): Source | undefined;
  open(source: Source): void;
}

const CitationsContext = createContext<Citations | null>(null);

/** What an answer's citation markers and source cards share: its sources, and the passage dialog. */
export function useCitations(): Citations | null {
  return useContext(CitationsContext);
}

export function CitationsProvider({ report, children }: { report: KnowledgeReport | undefined; children: React.ReactNode }) {
  const [opened, setOpened] = useState<Source | null>(null);
  // Always a provider (its value null without a report), so the answer is not remounted when the report arrives.
  const citations = useMemo<Citations | null>(
    () => (report ? { source: (n) => report.sources.find((s) => s.n === n), open: setOpened } : null),
    [report],
  );
  return (
    <CitationsContext.Provider value={citations}>
      {children}
      {opened && <PassageDialog source={opened} onClose={() => setOpened(null)} />}
    </CitationsContext.Provider>
  );
}

/** A passage as one short line of prose: its Markdown headings are on the card already. */
function snippet(text: string): string {
  return text.replace(/^#{1,6}\s+.*$/gm, "").replace(/\s+/g, " ").trim();
}

/**
 * Under an answer: a card for each source it cites (click to read the passage
 * in context), or a note that the knowledge base had nothing on the question.
 */
export function AnswerSources({ report }: { report: KnowledgeReport }) {
  const citations = useCitations();
  const cited = report.sources.filter((s) => s.cited);
  return (
    <>
      {report.searched && !report.covered && (
        <p className="text-xs text-zinc-500" data-testid="knowledge-not-found">
          Not found in your knowledge base
        </p>
      )}
      {cited.length > 0 && (
        <ol aria-label="Sources" className="grid gap-2 sm:grid-cols-2">
          {cited.map((source) => (
            <li key={source.n} className="min-w-0">
              <button
                type="button"
                onClick={() => citations?.open(source)}
                aria-label={`Source ${source.n}: ${source.documentName}`}
                aria-describedby={`snippet-${source.chunkId}`}
                className="flex h-full w-full flex-col gap-0.5 rounded-md border border-zinc-200 bg-zinc-50 p-2 text-left text-xs hover:border-blue-300 hover:bg-blue-50"
              >
                <span className="flex min-w-0 items-baseline gap-1.5">
                  <span className="shrink-0 rounded bg-blue-100 px-1 font-semibold text-blue-800">{source.n}</span>
                  <span className="truncate font-medium text-zinc-900">{source.documentName}</span>
                </span>
                {locationLabel(source) && <span className="truncate text-zinc-500">{locationLabel(source)}</span>}
                <span id={`snippet-${source.chunkId}`} className="line-clamp-2 text-zinc-700">
                  {snippet(source.text)}
                </span>
              </button>
            </li>
          ))}
        </ol>
      )}
      {report.degraded.length > 0 && (
        <p className="text-xs text-zinc-500">Search was limited: {report.degraded.join(" ")}</p>
      )}
    </>
  );
}
