"use client";

import { signIn } from "next-auth/react";
import Link from "next/link";
import { useRouter } from "next/navigation";
import { useState } from "react";

/** Sign-in and sign-up share one form; sign-up creates the account first. */
export function AuthForm({ mode }: { mode: "sign-in" | "sign-up" }) {
  const router = useRouter();
  const [error, setError] = useState<string | null>(null);
  const [pending, setPending] = useState(false);

  async function onSubmit(event: React.FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const email = String(form.get("email") ?? "");
    const password = String(form.get("password") ?? "");
    setPending(true);
    setError(null);
    try {
      if (mode === "sign-up") {
        const response = await fetch("/api/sign-up", {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ email, password }),
        });
        if (!response.ok) {
          const body = (await response.json().catch(() => null)) as { error?: { message?: string } } | null;
          setError(body?.error?.message ?? `Sign-up failed (${response.status}).`);
          return;
        }
      }
      const result = await signIn("credentials", { email, password, redirect: false });
      if (!result || result.error) {
        setError("Wrong email or password.");
        return;
      }
      router.replace("/");
      router.refresh();
    } catch {
      setError("Could not reach Parley. Check your connection and try again.");
    } finally {
      setPending(false);
    }
  }

  const title = mode === "sign-in" ? "Sign in" : "Create an account";
  return (
    <main className="flex min-h-full items-center justify-center bg-zinc-50 p-4">
      <form onSubmit={onSubmit} className="w-full max-w-sm space-y-4 rounded-xl border border-zinc-200 bg-white p-6 shadow-sm">
        <div>
          <p className="text-sm font-semibold tracking-wide text-blue-700">Parley</p>
          <h1 className="text-2xl font-semibold">{title}</h1>
        </div>
        <label className="block">
          <span className="mb-1 block text-sm font-medium">Email</span>
          <input
            name="email"
            type="email"
            autoComplete="email"
            required
            className="w-full rounded-md border border-zinc-300 px-3 py-2 outline-none focus:border-blue-600 focus:ring-2 focus:ring-blue-200"
          />
        </label>
        <label className="block">
          <span className="mb-1 block text-sm font-medium">Password</span>
          <input
            name="password"
            type="password"
            autoComplete={mode === "sign-in" ? "current-password" : "new-password"}
            required
            minLength={mode === "sign-up" ? 8 : undefined}
            className="w-full rounded-md border border-zinc-300 px-3 py-2 outline-none focus:border-blue-600 focus:ring-2 focus:ring-blue-200"
          />
        </label>
        {error && (
          <p role="alert" className="rounded-md bg-red-50 px-3 py-2 text-sm text-red-800">
            {error}
          </p>
        )}
        <button
          type="submit"
          disabled={pending}
          className="w-full rounded-md bg-blue-700 px-3 py-2 font-medium text-white hover:bg-blue-800 disabled:opacity-60"
        >
          {pending ? "Please wait…" : title}
        </button>
        <p className="text-center text-sm text-zinc-600">
          {mode === "sign-in" ? (
            <>
              New here? <Link className="text-blue-700 underline" href="/sign-up">Create an account</Link>
            </>
          ) : (
            <>
              Have an account? <Link className="text-blue-700 underline" href="/sign-in">Sign in</Link>
            </>
          )}
        </p>
      </form>
    </main>
  );
}
