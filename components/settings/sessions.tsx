"use client";

import { useCallback, useEffect, useState } from "react";
import { Outcome } from "./outcome";
import { SettingsSection } from "./section";

export interface SessionItem {
  id: string;
  device: string;
  createdAt: string;
  lastSeenAt: string;
  current: boolean;
}

/**
 * Where this account is signed in, with a way to sign any other browser out.
 * `refreshKey` reloads the list (after a password change signed the others out).
 */
export function Sessions({ refreshKey = 0 }: { refreshKey?: number }) {
  const [sessions, setSessions] = useState<SessionItem[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);

  const load = useCallback(async () => {
    const response = await fetch("/api/sessions", { cache: "no-store" });
    if (response.status === 401) {
      // This session itself was ended (elsewhere): the next page asks to sign in.
      window.location.assign("/sign-in");
      return;
    }
    if (response.ok) setSessions(((await response.json()) as { sessions: SessionItem[] }).sessions);
  }, []);
  useEffect(() => void load(), [load, refreshKey]);

  async function act(request: Promise<Response>, done: string) {
    setError(null);
    setNotice(null);
    const response = await request;
    if (!response.ok) {
      const body = (await response.json().catch(() => null)) as { error?: { message?: string } } | null;
      setError(body?.error?.message ?? `That did not work (${response.status}).`);
    } else {
      setNotice(done);
    }
    void load();
  }

  const others = sessions?.filter((session) => !session.current) ?? [];
  return (
    <SettingsSection id="sessions" title="Sessions" description="The browsers signed in to your account. Sign out any you do not recognise, or that you no longer use.">
      <ul className="divide-y divide-zinc-200 rounded-md border border-zinc-200" aria-label="Your sessions">
        {sessions === null && <li className="p-3 text-sm text-zinc-500">Loading…</li>}
        {sessions?.map((session) => (
          <li key={session.id} className="flex items-center justify-between gap-2 p-3 text-sm">
            <span>
              <span className="font-medium">{session.device}</span>
              {session.current && (
                <span className="ml-2 rounded bg-green-100 px-1.5 py-0.5 text-xs font-medium text-green-800">This device</span>
              )}
              <span className="block text-xs text-zinc-500">
                signed in {new Date(session.createdAt).toLocaleString()}, last active{" "}
                {new Date(session.lastSeenAt).toLocaleString()}
              </span>
            </span>
            {!session.current && (
              <button
                type="button"
                aria-label={`Sign out ${session.device}`}
                onClick={() => act(fetch(`/api/sessions/${session.id}`, { method: "DELETE" }), `Signed out ${session.device}.`)}
                className="text-red-700 underline"
              >
                Sign out
              </button>
            )}
          </li>
        ))}
      </ul>
      <button
        type="button"
        disabled={others.length === 0}
        onClick={() =>
          act(
            fetch("/api/sessions/revoke-others", { method: "POST" }),
            others.length === 1 ? "Signed out 1 other session." : `Signed out ${others.length} other sessions.`,
          )
        }
        className="rounded-md border border-red-300 px-4 py-2 font-medium text-red-800 hover:bg-red-50 disabled:cursor-not-allowed disabled:opacity-50"
      >
        Sign out all other sessions
      </button>
      <Outcome error={error} notice={notice} />
    </SettingsSection>
  );
}
