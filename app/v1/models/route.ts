import { modelsResponse } from "@/lib/chat/openai-api";
import { handle } from "@/lib/http/handler";

export const GET = handle((request) => modelsResponse(request));
