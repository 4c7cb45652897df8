import { ShellTitle } from "@/components/chat/shell-title";
import { AccountSecurity } from "@/components/settings/account-security";
import { ApiKeys } from "@/components/settings/api-keys";
import { SpeechSettings } from "@/components/settings/speech-settings";
import { pageUser } from "@/lib/auth/pages";

export const metadata = { title: "Settings · Parley" };

export default async function SettingsPage() {
  // Here too, not only in the layout: a client-side navigation renders the page without its layout.
  await pageUser();
  return (
    <main className="mx-auto w-full max-w-2xl overflow-y-auto p-4 sm:p-8">
      <ShellTitle title="Settings" />
      <h1 className="mb-6 text-2xl font-semibold">Settings</h1>
      <SpeechSettings />
      <AccountSecurity />
      <ApiKeys />
    </main>
  );
}
