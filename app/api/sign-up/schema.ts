export { credentialsSchema as signUpSchema } from "@/lib/auth/users";
