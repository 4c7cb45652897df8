import { ChatShell } from "@/components/chat/shell";
import { pageUser } from "@/lib/auth/pages";

export const dynamic = "force-dynamic";

export default async function ChatLayout({ children }: { children: React.ReactNode }) {
  const user = await pageUser();
  return <ChatShell user={{ email: user.email, role: user.role }}>{children}</ChatShell>;
}
