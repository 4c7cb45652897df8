// The document extraction process: PDF, DOCX, HTML and text are read here,
// never on the event loop that serves requests. lib/rag/extract/thread-pool.ts
// forks it with a heap limit, sends one document at a time over IPC and kills
// it when a document takes too long. The extraction code is TypeScript, loaded
// with Node's type stripping; its imports leave out the ".ts" Node needs.
import { registerHooks } from "node:module";

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

const reply = (message) => process.send?.(message);

process.on("message", async ({ id, kind, bytes, limits, env }) => {
  // The server's settings as they are now (the reader reads some of them itself).
  for (const key of Object.keys(process.env)) if (!(key in env)) delete process.env[key];
  Object.assign(process.env, env);
  try {
    const document = await readDocument(new Uint8Array(bytes), kind, limits, {
      onProgress: (fraction) => reply({ id, type: "progress", fraction }),
    });
    reply({ id, type: "done", document });
  } catch (error) {
    reply({ id, type: "failed", error: { name: error?.name ?? "Error", message: error?.message ?? String(error) } });
  }
});
// The server went away: so does its reader.
process.on("disconnect", () => process.exit(0));
