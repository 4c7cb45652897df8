"use client";

import { useState } from "react";
import { Outcome } from "./outcome";
import { SettingsSection } from "./section";

/** Current + new password; on success every other session is signed out (`onChanged` lets the list reload). */
export function ChangePassword({ onChanged }: { onChanged?: () => void }) {
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);

  async function submit(event: React.FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = event.currentTarget;
    const data = new FormData(form);
    setPending(true);
    setError(null);
    setNotice(null);
    try {
      const response = await fetch("/api/account/password", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ currentPassword: data.get("currentPassword"), newPassword: data.get("newPassword") }),
      });
      const body = (await response.json().catch(() => null)) as { endedSessions?: number; error?: { message?: string } } | null;
      if (!response.ok) {
        setError(body?.error?.message ?? `The password was not changed (${response.status}).`);
        return;
      }
      form.reset();
      const ended = body?.endedSessions ?? 0;
      setNotice(
        ended === 0
          ? "Password changed."
          : `Password changed. ${ended === 1 ? "1 other session was" : `${ended} other sessions were`} signed out.`,
      );
      onChanged?.();
    } catch {
      setError("Could not reach Parley. Check your connection and try again.");
    } finally {
      setPending(false);
    }
  }

  return (
    <SettingsSection id="change-password" title="Change password" description="Signs out every other session; this one stays signed in.">
      <form onSubmit={submit} className="space-y-3">
        <PasswordField label="Current password" name="currentPassword" autoComplete="current-password" />
        <PasswordField label="New password" name="newPassword" autoComplete="new-password" minLength={8} />
        <button
          type="submit"
          disabled={pending}
          className="rounded-md bg-blue-700 px-4 py-2 font-medium text-white hover:bg-blue-800 disabled:opacity-60"
        >
          {pending ? "Please wait…" : "Change password"}
        </button>
      </form>
      <Outcome error={error} notice={notice} />
    </SettingsSection>
  );
}

function PasswordField({ label, ...input }: { label: string; name: string; autoComplete: string; minLength?: number }) {
  return (
    <label className="block text-sm">
      <span className="mb-1 block font-medium">{label}</span>
      <input type="password" required className="w-full rounded-md border border-zinc-300 px-3 py-2" {...input} />
    </label>
  );
}
