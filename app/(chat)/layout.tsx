import { redirect } from "next/navigation";
import { ChatShell } from "@/components/chat/shell";
import { currentUser } from "@/lib/auth/authenticate";

export const dynamic = "force-dynamic";

export default async function ChatLayout({ children }: { children: React.ReactNode }) {
  const user = await currentUser();
  if (!user) redirect("/sign-in");
  return <ChatShell user={{ email: user.email, role: user.role }}>{children}</ChatShell>;
}
