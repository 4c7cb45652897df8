import { route } from "@/lib/http/route";
import { asrInfo, transcribeResponse } from "@/lib/speech/service";

// No JSON schema: the body is audio (raw, or multipart "file" + optional "language"); lib/speech/service.ts reads it.

/** Audio in, { text } out. */
export const POST = route({ access: "user", body: "handler", trace: { kind: "transcribe" } }, ({ request, trace }) =>
  transcribeResponse(request, trace),
);

/** Whether voice input is available (the microphone button is hidden when not), and how good it is. */
export const GET = route({ access: "user" }, async ({ user }) =>
  Response.json(await asrInfo({ details: user.role === "admin" })),
);
