"use client";

import { useRef, useState } from "react";
import { MicButton } from "./mic-button";

export function Composer({ busy, onSend, onStop }: { busy: boolean; onSend: (text: string) => void; onStop: () => void }) {
  const [text, setText] = useState("");
  const input = useRef<HTMLTextAreaElement>(null);

  function submit(event?: React.FormEvent) {
    event?.preventDefault();
    if (busy || text.trim() === "") return;
    onSend(text);
    setText("");
    input.current?.focus();
  }

  return (
    <form onSubmit={submit} className="border-t border-zinc-200 bg-white p-3">
      <div className="mx-auto flex max-w-3xl items-end gap-2">
        <textarea
          ref={input}
          aria-label="Message"
          placeholder="Message Parley"
          rows={1}
          value={text}
          autoFocus
          onChange={(event) => setText(event.target.value)}
          onKeyDown={(event) => {
            if (event.key === "Enter" && !event.shiftKey && !event.nativeEvent.isComposing) submit(event);
          }}
          className="max-h-48 min-h-10 flex-1 resize-none rounded-lg border border-zinc-300 px-3 py-2 outline-none focus:border-blue-600 focus:ring-2 focus:ring-blue-200"
        />
        <MicButton
          disabled={busy}
          onTranscript={(heard) => {
            setText((current) => (current.trim() ? `${current.trimEnd()} ${heard}` : heard));
            input.current?.focus();
          }}
        />
        {busy ? (
          <button type="button" onClick={onStop} className="rounded-lg bg-zinc-800 px-4 py-2 font-medium text-white hover:bg-black">
            Stop
          </button>
        ) : (
          <button
            type="submit"
            disabled={text.trim() === ""}
            className="rounded-lg bg-blue-700 px-4 py-2 font-medium text-white hover:bg-blue-800 disabled:opacity-50"
          >
            Send
          </button>
        )}
      </div>
    </form>
  );
}
