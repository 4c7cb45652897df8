import { route } from "@/lib/http/route";
import { ttsInfo, ttsResponse } from "@/lib/speech/service";
import { ttsSchema } from "./schema";

/** Text in, audio out (one WAV), or sentence by sentence as server-sent events with "stream": true. */
export const POST = route(
  // The text to speak is often pasted or an answer's own text: repaired, not refused.
  { access: "user", body: { json: ttsSchema, maxBytes: 512 * 1024, repair: ["text"] }, trace: { kind: "tts" } },
  ({ request, user, body, trace }) => ttsResponse(request, body, user, trace),
);

/** Whether speech is available, and the voices and limits the settings page offers. */
export const GET = route({ access: "user" }, async ({ user }) =>
  Response.json(await ttsInfo({ details: user.role === "admin" })),
);
