import Link from "next/link";

/**
 * Any URL that is no page. Next's built-in 404 carries an inline <style>
 * without the request's nonce, which the CSP (proxy.ts) refuses; this one is
 * styled by Tailwind's stylesheet like the rest of Parley.
 */
export default function NotFound() {
  return (
    <main className="mx-auto flex min-h-screen max-w-md flex-col items-center justify-center gap-3 p-8 text-center">
      <h1 className="text-2xl font-semibold">Page not found</h1>
      <p className="text-sm text-zinc-600">There is no page at this address.</p>
      <Link href="/" className="text-blue-700 underline">
        Back to your chats
      </Link>
    </main>
  );
}
