import { resumeChatStream } from "@/lib/chat/resume";
import { route } from "@/lib/http/route";
import { chatParams } from "../schema";

export const dynamic = "force-dynamic";

/**
 * The chat's answer being generated (or just finished), replayed from the
 * start or from Last-Event-ID and followed to its end; 204 when there is none
 * (what AI SDK's useChat({ resume: true }) expects).
 */
export const GET = route({ access: "user", params: chatParams, trace: { kind: "resume" } }, async ({ request, user, params, trace }) =>
  (await resumeChatStream(request, user.id, params.id, trace)) ?? new Response(null, { status: 204 }),
);
