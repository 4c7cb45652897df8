"use client";

import type { ChatStatus } from "ai";
import { useEffect, useRef, useState } from "react";

/** A connection lost mid-answer (useChat says so with a network TypeError). */
function isDisconnect(error: Error | undefined): boolean {
  if (!(error instanceof TypeError)) return false;
  return /fetch|network|load failed/i.test(error.message);
}

const FIRST_DELAY_MS = 1_000;
const MAX_DELAY_MS = 30_000;

/**
 * When the connection drops while an answer streams, resumes it (the server
 * kept generating) with exponential backoff and jitter, at once when the
 * browser says it is online again. Returns whether a reconnect is under way.
 */
export function useReconnect({
  status,
  error,
  streamStarted,
  resumeStream,
  onResumed,
}: {
  status: ChatStatus;
  error: Error | undefined;
  /** The answer had begun (the server owns it now); a send that never arrived is the user's to retry. */
  streamStarted: boolean;
  resumeStream: () => Promise<void>;
  onResumed: () => void;
}): boolean {
  const [reconnecting, setReconnecting] = useState(false);
  const attempt = useRef(0);
  const latest = useRef({ resumeStream, onResumed });
  latest.current = { resumeStream, onResumed };

  useEffect(() => {
    if (status === "ready" && reconnecting) {
      // Resumed to the end, or nothing was left to resume: show what the server stored.
      attempt.current = 0;
      setReconnecting(false);
      latest.current.onResumed();
    }
    if (status !== "error" || !isDisconnect(error) || (!streamStarted && !reconnecting)) return;
    setReconnecting(true);
    const base = Math.min(MAX_DELAY_MS, FIRST_DELAY_MS * 2 ** attempt.current);
    const delay = base / 2 + Math.random() * (base / 2);
    attempt.current += 1;
    let fired = false;
    const go = () => {
      if (fired) return;
      fired = true;
      void latest.current.resumeStream();
    };
    const timer = setTimeout(go, delay);
    window.addEventListener("online", go);
    return () => {
      clearTimeout(timer);
      window.removeEventListener("online", go);
    };
  }, [status, error, reconnecting, streamStarted]);

  return reconnecting;
}
