import Link from "next/link";
import { ShellTitle } from "@/components/chat/shell-title";

export default function ChatNotFound() {
  return (
    <main className="flex flex-1 flex-col items-center justify-center gap-3 p-6 text-center">
      <ShellTitle title="Chat not found" />
      <h2 className="text-lg font-semibold">This chat does not exist, or it is not yours.</h2>
      <Link href="/" className="rounded-md bg-blue-700 px-4 py-2 font-medium text-white hover:bg-blue-800">
        Start a new chat
      </Link>
    </main>
  );
}
