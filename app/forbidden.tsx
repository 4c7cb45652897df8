import Link from "next/link";

export default function Forbidden() {
  return (
    <main className="mx-auto flex min-h-screen max-w-md flex-col items-center justify-center gap-3 p-8 text-center">
      <h1 className="text-2xl font-semibold">Not for your account</h1>
      <p className="text-sm text-zinc-600">This page is for administrators. Ask one if you need to see it.</p>
      <Link href="/" className="text-blue-700 underline">
        Back to your chats
      </Link>
    </main>
  );
}
