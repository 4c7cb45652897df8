import { completionResponse } from "@/lib/chat/openai-api";
import { handle } from "@/lib/http/handler";

// Request schema: lib/chat/schemas.ts (completionRequestSchema).
export const POST = handle((request) => completionResponse(request));
