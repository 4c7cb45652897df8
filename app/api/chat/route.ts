import { chatResponse } from "@/lib/chat/service";
import { chatRequestSchema } from "@/lib/chat/schemas";
import { route } from "@/lib/http/route";

// What the user typed or pasted is repaired (NUL removed, broken Unicode replaced), never refused.
const repair = ["message", "message.parts.*.text"];

export const POST = route(
  { access: "user", body: { json: chatRequestSchema, repair }, trace: { kind: "chat" }, startsAnswer: true },
  ({ request, user, body, trace }) => chatResponse(request, user, body, trace),
);
