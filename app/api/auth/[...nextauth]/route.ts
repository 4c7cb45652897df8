import { GET as authGet, POST as authPost } from "@/lib/auth/next-auth-handlers";
import { readBody } from "@/lib/http/body";
import { route } from "@/lib/http/route";

/** Sign-in and sign-out forms are a few hundred bytes; nothing larger is read. */
const MAX_FORM_BYTES = 16 * 1024;

// Auth.js's own endpoints (sign-in, sign-out, session, CSRF token) behind the
// same origin check and body limit as every other route.
export const GET = route({ access: "none" }, ({ request }) => authGet(request as Parameters<typeof authGet>[0]));

export const POST = route({ access: "none", body: "handler" }, async ({ request }) => {
  const body = await readBody(request, MAX_FORM_BYTES);
  const copy = new Request(request.url, { method: "POST", headers: request.headers, body: body as Uint8Array<ArrayBuffer> });
  return authPost(copy as Parameters<typeof authPost>[0]);
});
