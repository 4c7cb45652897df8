"use client";

import { useEffect, useRef, useSyncExternalStore } from "react";
import { speechPlayer, type PlayerState } from "@/components/speech/player";
import { useSpeechPreferences, useTtsInfo } from "@/components/speech/preferences";
import { finishedSentences } from "@/lib/speech/sentences";

type View = { state: PlayerState; error: string | null };
const views = new Map<string, View>();
const view = (state: PlayerState, error: string | null): View => {
  const key = `${state}|${error}`;
  let value = views.get(key);
  if (!value) views.set(key, (value = { state, error }));
  return value;
};

/** The player's state as this message sees it: idle unless it is the one speaking; its own error only. */
function usePlayerView(messageId: string): View {
  return useSyncExternalStore(
    (onChange) => speechPlayer().subscribe(onChange),
    () => {
      const player = speechPlayer();
      return view(player.owner === messageId ? player.state : "idle", player.errorOwner === messageId ? player.error : null);
    },
    () => view("idle", null),
  );
}

const icon = "h-4 w-4";
const SpeakerIcon = () => (
  <svg viewBox="0 0 20 20" fill="currentColor" aria-hidden="true" className={icon}>
    <path d="M9 4 5 7.5H2.5v5H5L9 16V4Z" />
    <path d="M12.5 7a4 4 0 0 1 0 6M14.5 5a7 7 0 0 1 0 10" fill="none" stroke="currentColor" strokeWidth="1.5" strokeLinecap="round" />
  </svg>
);
const PauseIcon = () => (
  <svg viewBox="0 0 20 20" fill="currentColor" aria-hidden="true" className={icon}>
    <rect x="5" y="4" width="3.5" height="12" rx="1" />
    <rect x="11.5" y="4" width="3.5" height="12" rx="1" />
  </svg>
);
const PlayIcon = () => (
  <svg viewBox="0 0 20 20" fill="currentColor" aria-hidden="true" className={icon}>
    <path d="M6 4v12l10-6L6 4Z" />
  </svg>
);
const StopIcon = () => (
  <svg viewBox="0 0 20 20" fill="currentColor" aria-hidden="true" className={icon}>
    <rect x="5" y="5" width="10" height="10" rx="1.5" />
  </svg>
);
const Spinner = () => <span aria-hidden="true" className="inline-block h-3.5 w-3.5 animate-spin rounded-full border-2 border-zinc-300 border-t-zinc-600" />;

const button = "inline-flex items-center gap-1 rounded px-2 py-1 hover:bg-zinc-100 hover:text-zinc-800";

/**
 * Play, pause, resume and stop for one assistant message, with a loading
 * state until its first sentence sounds. With "read answers aloud" on, a
 * message that streams in is spoken sentence by sentence as it arrives.
 * Hidden when the server has no text to speech (GET /api/tts).
 */
export function SpeakerButton({ messageId, text, streaming }: { messageId: string; text: string; streaming: boolean }) {
  const info = useTtsInfo();
  const preferences = useSpeechPreferences();
  const { state, error } = usePlayerView(messageId);
  const options = { voice: preferences.voice || undefined, speed: preferences.speed, maxChars: info?.maxChars ?? 10_000 };

  // Read aloud: feed finished sentences while the answer streams, the rest when it ends.
  const spoken = useRef<number | null>(null);
  const wasStreaming = useRef(streaming);
  useEffect(() => {
    if (!info?.available || !preferences.readAloud) return;
    const player = speechPlayer();
    if (streaming) {
      if (spoken.current === null) spoken.current = 0;
      const { done } = finishedSentences(text.slice(spoken.current));
      if (done.trim()) {
        // The first sentence starts it; later ones only while it is still this answer's turn
        // (the user may have pressed stop, or played another message).
        if (spoken.current === 0 || player.owner === messageId) player.append(messageId, done, options);
        spoken.current += done.length;
      }
    } else if (wasStreaming.current && spoken.current !== null) {
      // The answer is complete: say the rest, unless the user stopped it meanwhile.
      const nothingYet = spoken.current === 0;
      const rest = text.slice(spoken.current);
      spoken.current = text.length;
      if (player.owner === messageId || nothingYet) player.append(messageId, rest, options, { final: true });
    }
    wasStreaming.current = streaming;
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [text, streaming, info?.available, preferences.readAloud]);

  if (!info?.available) return null;
  if (streaming && state === "idle") return null;
  const player = speechPlayer();
  const mine = state !== "idle";

  return (
    <span className="inline-flex items-center gap-1" data-testid="speaker" data-state={state}>
      {!mine && (
        <button type="button" className={button} aria-label="Read aloud" title="Read aloud" onClick={() => player.speak(messageId, text, options)}>
          <SpeakerIcon />
          <span>Listen</span>
        </button>
      )}
      {mine && state === "loading" && (
        <button type="button" className={button} aria-label="Loading audio, click to stop" title="Stop" onClick={() => player.stop()}>
          <Spinner />
          <span>Loading…</span>
        </button>
      )}
      {mine && state === "playing" && (
        <button type="button" className={button} aria-label="Pause" title="Pause" onClick={() => player.pause()}>
          <PauseIcon />
          <span>Pause</span>
        </button>
      )}
      {mine && state === "paused" && (
        <button type="button" className={button} aria-label="Resume" title="Resume" onClick={() => player.resume()}>
          <PlayIcon />
          <span>Resume</span>
        </button>
      )}
      {mine && (
        <button type="button" className={button} aria-label="Stop reading" title="Stop" onClick={() => player.stop()}>
          <StopIcon />
        </button>
      )}
      {error && (
        <span role="status" className="text-red-700">
          {error}
        </span>
      )}
    </span>
  );
}
