import { authenticate } from "@/lib/auth/authenticate";
import { handle } from "@/lib/http/handler";
import { documentEventStream } from "@/lib/rag/event-stream";

/** Live document states (SSE) for the knowledge page: a snapshot, then every change the user may see. */
export const GET = handle(async (request) => {
  const user = await authenticate(request);
  return documentEventStream(user, request.signal);
});
