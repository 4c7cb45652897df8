"use client";

import { useState } from "react";
import { splitAtPhraseBoundary } from "@/lib/chat/phrases";
import type { UiMessage, UiMessageMetadata } from "@/lib/chat/ui-messages";
import { LatencyInfo } from "./latency-info";
import { Markdown } from "./markdown";
import { SpeakerButton } from "./speaker-button";
import { AnswerSources, CitationsProvider, knowledgeReportOf } from "./sources";

function textOf(message: UiMessage): string {
  return message.parts.map((part) => (part.type === "text" ? part.text : "")).join("");
}

export function MessageView({
  message,
  streaming,
  canRegenerate,
  canEdit,
  onRegenerate,
  onEdit,
}: {
  message: UiMessage & { metadata?: UiMessageMetadata };
  streaming: boolean;
  canRegenerate: boolean;
  canEdit: boolean;
  onRegenerate: () => void;
  onEdit: (text: string) => void;
}) {
  const text = textOf(message);
  const [editing, setEditing] = useState(false);
  const [draft, setDraft] = useState(text);

  if (message.role === "user") {
    if (editing) {
      return (
        <form
          className="ml-auto flex w-full max-w-[85%] flex-col gap-2"
          onSubmit={(event) => {
            event.preventDefault();
            if (draft.trim() === "") return;
            setEditing(false);
            onEdit(draft);
          }}
        >
          <textarea
            aria-label="Edit message"
            value={draft}
            autoFocus
            onChange={(event) => setDraft(event.target.value)}
            className="min-h-20 rounded-lg border border-zinc-300 px-3 py-2"
          />
          <div className="flex justify-end gap-2 text-sm">
            <button type="button" onClick={() => setEditing(false)} className="rounded-md px-3 py-1 text-zinc-700">
              Cancel
            </button>
            <button type="submit" className="rounded-md bg-blue-700 px-3 py-1 font-medium text-white">
              Save and send
            </button>
          </div>
        </form>
      );
    }
    return (
      <div className="group ml-auto flex max-w-[85%] flex-col items-end gap-1" data-role="user">
        <div className="whitespace-pre-wrap break-words rounded-2xl bg-blue-700 px-4 py-2 text-white">{text}</div>
        {canEdit && (
          <button
            type="button"
            onClick={() => {
              setDraft(text);
              setEditing(true);
            }}
            className="rounded px-2 py-1 text-xs text-zinc-500 hover:bg-zinc-100 hover:text-zinc-800"
          >
            Edit
          </button>
        )}
      </div>
    );
  }

  // While streaming, screen readers get the text up to the last phrase
  // boundary; the unfinished phrase is shown but not announced yet.
  const { settled, pending } = streaming ? splitAtPhraseBoundary(text) : { settled: text, pending: "" };
  const status = message.metadata?.status;
  // An answer that failed before its first word: the error box below says it all.
  if (!streaming && text === "" && status !== "partial" && status !== "interrupted" && status !== "streaming") return null;
  const knowledge = knowledgeReportOf(message);
  return (
    <CitationsProvider report={knowledge}>
      <div className="flex flex-col gap-1" data-role="assistant" data-status={streaming ? "streaming" : (status ?? "complete")}>
        <div className="min-w-0">
          {settled && <Markdown text={settled} />}
          {pending && (
            <span aria-hidden="true" className="whitespace-pre-wrap">
              {pending}
            </span>
          )}
          {streaming && <span aria-hidden="true" className="ml-0.5 inline-block h-4 w-2 animate-pulse bg-zinc-400 align-middle" />}
        </div>
        {knowledge && <AnswerSources report={knowledge} />}
        <div className="flex items-center gap-3 text-xs text-zinc-500">
          {status === "partial" && !streaming && <span>Stopped</span>}
          {status === "interrupted" && !streaming && (
            <span className="rounded bg-amber-50 px-1.5 py-0.5 text-amber-800">Interrupted: the server stopped while writing this answer</span>
          )}
          {status === "streaming" && !streaming && <span>Still being written…</span>}
          {canRegenerate && status !== "error" && status !== "streaming" && (
            <button type="button" onClick={onRegenerate} className="rounded px-2 py-1 hover:bg-zinc-100 hover:text-zinc-800">
              Regenerate
            </button>
          )}
          {status !== "error" && <SpeakerButton messageId={message.id} text={text} streaming={streaming} />}
          {!streaming && <LatencyInfo messageId={message.id} />}
        </div>
      </div>
    </CitationsProvider>
  );
}
