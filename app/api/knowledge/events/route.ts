import { route } from "@/lib/http/route";
import { documentEventStream } from "@/lib/rag/event-stream";

/** Live document states (SSE) for the knowledge page: a snapshot, then every change the user may see. */
export const GET = route({ access: "user" }, async ({ request, user }) => documentEventStream(user, request.signal));
