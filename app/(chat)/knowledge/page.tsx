import { ShellTitle } from "@/components/chat/shell-title";
import { KnowledgeBase } from "@/components/knowledge/knowledge-base";
import { pageUser } from "@/lib/auth/pages";

export const metadata = { title: "Knowledge · Parley" };
export const dynamic = "force-dynamic";

export default async function KnowledgePage() {
  const user = await pageUser();
  return (
    <main className="w-full flex-1 overflow-y-auto">
      <div className="mx-auto w-full max-w-3xl p-4 sm:p-8">
        <ShellTitle title="Knowledge" />
        <h1 className="mb-1 text-2xl font-semibold">Knowledge</h1>
        <p className="mb-6 text-sm text-zinc-600">
          Answers draw on the documents you upload here and cite the passages they use.
        </p>
        <KnowledgeBase isAdmin={user.role === "admin"} />
      </div>
    </main>
  );
}
