import { ShellTitle } from "@/components/chat/shell-title";
import { ApiKeys } from "@/components/settings/api-keys";
import { SpeechSettings } from "@/components/settings/speech-settings";

export const metadata = { title: "Settings · Parley" };

export default function SettingsPage() {
  return (
    <main className="mx-auto w-full max-w-2xl overflow-y-auto p-4 sm:p-8">
      <ShellTitle title="Settings" />
      <h1 className="mb-6 text-2xl font-semibold">Settings</h1>
      <SpeechSettings />
      <ApiKeys />
    </main>
  );
}
