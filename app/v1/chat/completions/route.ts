import { completionResponse } from "@/lib/chat/openai-api";
import { completionRequestSchema } from "@/lib/chat/schemas";
import { route } from "@/lib/http/route";

// Message text is repaired (NUL removed, broken Unicode replaced), as in the UI's chat.
const repair = ["messages.*.content", "messages.*.content.*.text"];

export const POST = route(
  { access: "user", body: { json: completionRequestSchema, repair }, trace: { kind: "chat", source: "v1" }, startsAnswer: true },
  ({ request, user, body, trace }) => completionResponse(request, user, body, trace),
);
