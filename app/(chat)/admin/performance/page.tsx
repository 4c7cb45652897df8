import { ShellTitle } from "@/components/chat/shell-title";
import { PerformanceDashboard } from "@/components/performance/performance-dashboard";
import { adminPageUser } from "@/lib/auth/pages";
import { performanceFilterOptions } from "@/lib/db/queries/traces";

export const metadata = { title: "Performance · Parley" };
export const dynamic = "force-dynamic";

export default async function PerformancePage() {
  await adminPageUser();
  const options = await performanceFilterOptions();
  return (
    <main className="w-full flex-1 overflow-y-auto bg-zinc-50">
      <div className="mx-auto w-full max-w-6xl p-4 sm:p-8">
        <ShellTitle title="Performance" />
        <h1 className="mb-1 text-2xl font-semibold">Performance</h1>
        <p className="mb-6 text-sm text-zinc-600">
          Where every request&apos;s time goes, stage by stage. The bottleneck is the stage a user waited on longest before the first token.
        </p>
        <PerformanceDashboard models={options.models} users={options.users} />
      </div>
    </main>
  );
}
