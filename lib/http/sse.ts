/** Headers that keep proxies (nginx, CDNs) from buffering or compressing a stream. */
export const SSE_HEADERS: Record<string, string> = {
  "content-type": "text/event-stream; charset=utf-8",
  "cache-control": "no-cache, no-transform",
  "x-accel-buffering": "no",
  connection: "keep-alive",
};

const encoder = new TextEncoder();

/** `id: <seq>` + `data: <json>` events; the ids let a client resume after the last one it saw. */
export function sseEvent(seq: number, data: unknown): Uint8Array {
  return encoder.encode(`id: ${seq}\ndata: ${typeof data === "string" ? data : JSON.stringify(data)}\n\n`);
}

export function sseData(data: unknown): Uint8Array {
  return encoder.encode(`data: ${typeof data === "string" ? data : JSON.stringify(data)}\n\n`);
}

/**
 * Batches text deltas: the first goes out at once (time to first token is what
 * users feel), later ones are merged and flushed every `intervalMs`, so a busy
 * server encodes a few events per stream per frame instead of one per token.
 */
export class DeltaCoalescer {
  private pending = "";
  private timer: ReturnType<typeof setTimeout> | undefined;
  private sentFirst = false;

  constructor(
    private readonly flushTo: (text: string) => void,
    private readonly intervalMs = 20,
  ) {}

  push(text: string) {
    if (!this.sentFirst) {
      this.sentFirst = true;
      this.flushTo(text);
      return;
    }
    this.pending += text;
    this.timer ??= setTimeout(() => this.flush(), this.intervalMs);
  }

  flush() {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.pending) {
      const text = this.pending;
      this.pending = "";
      this.flushTo(text);
    }
  }
}

/**
 * A streamed Response whose producer runs independently of the reader: it is
 * told (through `signal`) when the client goes away, and keeps running until
 * it has cleaned up (stored the partial answer).
 */
export function streamResponse(
  produce: (write: (chunk: Uint8Array) => void, signal: AbortSignal) => Promise<void>,
  { requestSignal, headers }: { requestSignal?: AbortSignal; headers?: Record<string, string> },
): Response {
  const abort = new AbortController();
  const onRequestAbort = () => abort.abort("client disconnected");
  requestSignal?.addEventListener("abort", onRequestAbort, { once: true });
  let open = true;
  const stream = new ReadableStream<Uint8Array>({
    start(controller) {
      const write = (chunk: Uint8Array) => {
        if (open) controller.enqueue(chunk);
      };
      produce(write, abort.signal)
        .catch((error) => console.error("[parley] stream producer failed", error))
        .finally(() => {
          requestSignal?.removeEventListener("abort", onRequestAbort);
          if (open) {
            open = false;
            controller.close();
          }
        });
    },
    cancel() {
      open = false;
      abort.abort("client disconnected");
    },
  });
  return new Response(stream, { headers: { ...SSE_HEADERS, ...headers } });
}
