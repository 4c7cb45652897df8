/**
 * The server sends a heartbeat comment on an answer stream every 15 s
 * (STREAM_HEARTBEAT_MS). A connection that carries nothing for much longer is
 * dead even if the browser has not noticed (a proxy or a sleeping laptop
 * dropped it): the body fails with a network error, which useChat treats as a
 * disconnect that can be resumed.
 */
const SILENCE_MS = 45_000;

export function watchHeartbeats(response: Response, silenceMs = SILENCE_MS): Response {
  if (!response.body || !(response.headers.get("content-type") ?? "").includes("text/event-stream")) return response;
  const reader = response.body.getReader();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      const arm = () => {
        clearTimeout(timer);
        timer = setTimeout(() => {
          controller.error(new TypeError("network connection lost: no data or heartbeat from Parley"));
          void reader.cancel().catch(() => {});
        }, silenceMs);
      };
      arm();
      const pump = async () => {
        try {
          for (let next = await reader.read(); !next.done; next = await reader.read()) {
            arm();
            controller.enqueue(next.value);
          }
          clearTimeout(timer);
          controller.close();
        } catch (error) {
          clearTimeout(timer);
          controller.error(error);
        }
      };
      void pump();
    },
    cancel(reason) {
      clearTimeout(timer);
      return reader.cancel(reason);
    },
  });
  return new Response(body, { status: response.status, statusText: response.statusText, headers: response.headers });
}
