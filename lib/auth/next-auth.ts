import NextAuth, { CredentialsSignin, type DefaultSession } from "next-auth";
import Credentials from "next-auth/providers/credentials";
import { HttpError } from "../http/errors";
import { authSecret } from "./secret";
import { endSession, SESSION_MAX_AGE_S, sessionUser, startSession } from "./sessions";
import { verifyCredentials, type Role } from "./users";

declare module "next-auth" {
  interface Session {
    user: { id: string; role: Role } & DefaultSession["user"];
  }
  interface User {
    sessionId?: string;
  }
}

export const { handlers, auth, signOut } = NextAuth({
  secret: authSecret(),
  trustHost: true,
  session: { strategy: "jwt", maxAge: SESSION_MAX_AGE_S },
  pages: { signIn: "/sign-in" },
  logger: {
    error: (error) => {
      // A wrong password is an expected outcome, answered on the form: no stack trace in the log.
      // Compare the error's type, not its name: a production build minifies class names, so
      // `name` is "CredentialsSignin" only in development.
      if (error instanceof CredentialsSignin || (error as { type?: string }).type === "CredentialsSignin") return;
      console.error("[auth]", error);
    },
  },
  providers: [
    Credentials({
      credentials: { email: { label: "Email" }, password: { label: "Password", type: "password" } },
      authorize: async (credentials, request) => {
        const user = await verifyCredentials(String(credentials?.email ?? ""), String(credentials?.password ?? ""));
        if (!user) return null;
        const sessionId = await startSession(user.id, request.headers.get("user-agent"));
        return { id: user.id, email: user.email, role: user.role, sessionId };
      },
    }),
  ],
  callbacks: {
    /**
     * At sign-in the token gets the user and server-side session ids. Later
     * (Auth.js's /session endpoint, auth()) a token whose session has ended is
     * dropped, which also clears the cookie.
     */
    async jwt({ token, user }) {
      if (user?.id && user.sessionId) return { ...token, uid: user.id, sid: user.sessionId };
      const live = typeof token.sid === "string" ? await sessionUser(token.sid) : null;
      return live && live.id === token.uid ? token : null;
    },
    session({ session, token }) {
      if (typeof token.uid === "string") session.user.id = token.uid;
      return session;
    },
  },
  events: {
    // Sign-out ends the server-side session too: the old cookie, replayed, gets 401.
    async signOut(message) {
      const token = "token" in message ? message.token : null;
      if (typeof token?.uid !== "string" || typeof token.sid !== "string") return;
      await endSession(token.uid, token.sid).catch((error) => {
        if (!(error instanceof HttpError && error.code === "not_found")) throw error;
      });
    },
  },
});
