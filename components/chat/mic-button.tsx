"use client";

import { useEffect, useRef, useState } from "react";
import { useAsrInfo } from "@/components/speech/preferences";
import { recordTurn, type Recording, type TurnDetector } from "@/components/speech/recorder";
import { preloadSileroVad } from "@/components/speech/silero-vad";

type State = "idle" | "listening" | "transcribing";

/**
 * Voice input: click, speak, and the turn ends when you fall silent (or on a
 * second click); the transcript lands in the message box to check and send.
 * Hidden when the server cannot transcribe (GET /api/transcribe says why).
 */
export function MicButton({ disabled, onTranscript }: { disabled: boolean; onTranscript: (text: string) => void }) {
  const info = useAsrInfo();
  const [state, setState] = useState<State>("idle");
  const [note, setNote] = useState<string | null>(null);
  const [detector, setDetector] = useState<TurnDetector | null>(null);
  const [sileroPreload, setSileroPreload] = useState<"loading" | "ready" | "failed">("loading");
  const recording = useRef<Recording | null>(null);
  const available = !!info?.available;
  useEffect(() => {
    // Failure is not an error here: the turn then falls back to the energy detector.
    if (available) preloadSileroVad().then(() => setSileroPreload("ready"), () => setSileroPreload("failed"));
  }, [available]);

  if (!info?.available) return null;

  async function start() {
    setNote(null);
    setDetector(null);
    let current: Recording;
    try {
      current = await recordTurn({ maxSeconds: info!.maxSeconds, onDetector: setDetector });
    } catch (error) {
      setNote(error instanceof DOMException && error.name === "NotAllowedError" ? "Microphone access was refused." : "No microphone could be opened.");
      return;
    }
    recording.current = current;
    setState("listening");
    const wav = await current.done;
    recording.current = null;
    if (!wav) {
      setState("idle");
      setNote("No speech was heard.");
      return;
    }
    setState("transcribing");
    try {
      const response = await fetch("/api/transcribe", { method: "POST", headers: { "content-type": "audio/wav" }, body: wav as Uint8Array<ArrayBuffer> });
      const body = (await response.json().catch(() => null)) as { text?: string; lowAccuracy?: boolean; error?: { message?: string } } | null;
      if (!response.ok) throw new Error(body?.error?.message ?? `Transcription failed (${response.status}).`);
      const text = body?.text?.trim() ?? "";
      if (!text) setNote("Nothing could be made out. Try again, closer to the microphone.");
      else {
        onTranscript(text);
        setNote(body?.lowAccuracy ? "Transcribed by a low-accuracy recognizer: check the words before sending." : null);
      }
    } catch (error) {
      setNote(error instanceof Error ? error.message : String(error));
    } finally {
      setState("idle");
    }
  }

  const label = state === "listening" ? "Stop recording" : state === "transcribing" ? "Transcribing" : "Voice input";
  // Which detector ends the turn: Silero, or the energy fallback when its model could not load.
  const detectorLabel = detector === "Silero" ? "voice detector: Silero" : detector === "energy" ? "voice detector: energy (Silero unavailable)" : "voice detector: loading";
  return (
    <div className="relative flex flex-col items-center">
      <button
        type="button"
        aria-label={label}
        title={[label, info.lowAccuracy && "low accuracy", state === "listening" && detectorLabel].filter(Boolean).join(" · ")}
        data-state={state}
        data-detector={detector ?? undefined}
        data-silero-preload={sileroPreload}
        disabled={disabled || state === "transcribing"}
        onClick={() => (state === "listening" ? recording.current?.stop() : void start())}
        className={`flex h-10 w-10 items-center justify-center rounded-lg border ${
          state === "listening" ? "animate-pulse border-red-600 bg-red-600 text-white" : "border-zinc-300 text-zinc-700 hover:bg-zinc-100"
        } disabled:opacity-50`}
      >
        {state === "transcribing" ? (
          <span aria-hidden="true" className="inline-block h-4 w-4 animate-spin rounded-full border-2 border-zinc-300 border-t-zinc-700" />
        ) : (
          <svg viewBox="0 0 20 20" fill="currentColor" aria-hidden="true" className="h-5 w-5">
            <rect x="7" y="2" width="6" height="10" rx="3" />
            <path d="M4.5 9.5a5.5 5.5 0 0 0 11 0M10 15v3M7 18h6" fill="none" stroke="currentColor" strokeWidth="1.5" strokeLinecap="round" />
          </svg>
        )}
      </button>
      {info.lowAccuracy && state === "idle" && (
        <span className="pointer-events-none absolute -top-2 right-[-6px] rounded bg-amber-100 px-1 text-[9px] font-medium text-amber-900">low acc.</span>
      )}
      {state === "listening" && (
        <span data-testid="voice-detector" className="pointer-events-none absolute -top-3.5 right-0 whitespace-nowrap text-[9px] text-zinc-500">
          {detectorLabel}
        </span>
      )}
      {note && (
        <span role="status" className="absolute bottom-12 right-0 w-64 rounded-md border border-zinc-200 bg-white px-2 py-1 text-xs text-zinc-700 shadow">
          {note}
        </span>
      )}
    </div>
  );
}
