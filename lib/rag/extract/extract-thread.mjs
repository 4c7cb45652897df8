// The document extraction thread: PDF, DOCX, HTML and text are read here,
// never on the event loop that serves requests. lib/rag/extract/thread-pool.ts
// starts it with a heap limit, sends one document at a time and terminates it
// when a document takes too long. The extraction code is TypeScript, loaded
// with Node's type stripping; its imports leave out the ".ts" Node needs.
import { registerHooks } from "node:module";
import { parentPort } from "node:worker_threads";

registerHooks({
  resolve(specifier, context, nextResolve) {
    if (!/^\.\.?\//.test(specifier) || /\.[cm]?[jt]sx?$/.test(specifier)) return nextResolve(specifier, context);
    try {
      return nextResolve(`${specifier}.ts`, context);
    } catch {
      return nextResolve(specifier, context);
    }
  },
});

const { readDocument } = await import("./read.ts");

parentPort.on("message", async ({ id, kind, bytes, limits }) => {
  try {
    const document = await readDocument(new Uint8Array(bytes), kind, limits, {
      onProgress: (fraction) => parentPort.postMessage({ id, type: "progress", fraction }),
    });
    parentPort.postMessage({ id, type: "done", document });
  } catch (error) {
    parentPort.postMessage({ id, type: "failed", error: { name: error?.name ?? "Error", message: error?.message ?? String(error) } });
  }
});
