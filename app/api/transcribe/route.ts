import { authenticate } from "@/lib/auth/authenticate";
import { handle } from "@/lib/http/handler";
import { asrInfo, transcribeResponse } from "@/lib/speech/service";

// No JSON schema: the body is audio (raw, or multipart "file" + optional "language"); lib/speech/service.ts checks it.

/** Audio in, { text } out. */
export const POST = handle((request) => transcribeResponse(request));

/** Whether voice input is available (the microphone button is hidden when not), and how good it is. */
export const GET = handle(async (request) => {
  await authenticate(request);
  return Response.json(await asrInfo());
});
