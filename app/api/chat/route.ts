import { chatResponse } from "@/lib/chat/service";
import { handle } from "@/lib/http/handler";

// Request schema: lib/chat/schemas.ts (chatRequestSchema).
export const POST = handle((request) => chatResponse(request));
