import { authenticate } from "@/lib/auth/authenticate";
import { handle } from "@/lib/http/handler";
import { parseJson } from "@/lib/http/parse";
import { ttsInfo, ttsRequest } from "@/lib/speech/service";
import { ttsSchema } from "./schema";

/** Text in, audio out (one WAV), or sentence by sentence as server-sent events with "stream": true. */
export const POST = handle((request) => ttsRequest(request, (r) => parseJson(r, ttsSchema, { maxBytes: 512 * 1024 })));

/** Whether speech is available, and the voices and limits the settings page offers. */
export const GET = handle(async (request) => {
  await authenticate(request);
  return Response.json(await ttsInfo());
});
