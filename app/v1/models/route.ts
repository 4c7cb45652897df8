import { modelsResponse } from "@/lib/chat/openai-api";
import { route } from "@/lib/http/route";

export const GET = route({ access: "user" }, () => modelsResponse());
