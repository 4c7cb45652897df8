import { AuthForm } from "@/components/auth-form";

export const metadata = { title: "Create an account · Parley" };

export default function SignUpPage() {
  return <AuthForm mode="sign-up" />;
}
