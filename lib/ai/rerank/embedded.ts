/**
 * A GGUF cross-encoder (e.g. bge-reranker-v2-m3) run in-process on the CPU by
 * node-llama-cpp's ranking context. The model file is RERANK_MODEL_PATH: it
 * is never downloaded. Loaded on the first status() or rerank().
 */
import { existsSync } from "node:fs";
import path from "node:path";
import type { Llama, LlamaModel, LlamaRankingContext } from "node-llama-cpp";
import { config } from "../../config";
import { defaultModelId, defaultThreads, sharedLlama } from "../embedded/llama-model";
import { MAX_LOCAL_CONTEXT, messageOf, Preparation } from "../embeddings/embedded";
import type { Reranker, RerankStatus } from "./types";

export type EmbeddedRerankerOptions = {
  /** Overrides RERANK_MODEL_PATH. */
  modelPath?: string;
  /** Least time between two attempts after a failed load. Default 60 s. */
  retryAfterMs?: number;
  log?: ((message: string) => void) | null;
  threads?: number;
  llama?: Llama;
};

export type EmbeddedReranker = Reranker & { readonly provider: "embedded"; dispose(): Promise<void> };

type Loaded = { model: LlamaModel; context: LlamaRankingContext };

/** Documents scored between two looks at the abort signal. */
const DOCUMENTS_PER_STEP = 4;
const FIX = "set RERANK_MODEL_PATH to a GGUF reranking model (such as bge-reranker-v2-m3), or RERANK_BASE_URL to a /rerank server";
const UNRANKED = "Results keep their retrieval order";

export function createEmbeddedReranker(options: EmbeddedRerankerOptions = {}): EmbeddedReranker {
  const configured = options.modelPath ?? config.rerank.modelPath;
  if (!configured) throw new Error("The embedded reranker needs RERANK_MODEL_PATH.");
  const modelPath = path.resolve(/*turbopackIgnore: true*/ configured);
  const name = defaultModelId(modelPath);
  const log = options.log === undefined ? (m: string) => console.log(`[parley] ${m}`) : (options.log ?? (() => {}));

  const preparation = new Preparation<Loaded>(
    async (report) => {
      report({ kind: "loading" });
      let model: LlamaModel | undefined;
      try {
        const llama = options.llama ?? (await sharedLlama());
        model = await llama.loadModel({ modelPath });
        const contextSize = Math.min(model.trainContextSize, MAX_LOCAL_CONTEXT);
        const context = await model.createRankingContext({
          contextSize,
          batchSize: contextSize,
          threads: options.threads ?? defaultThreads(llama),
        });
        log(`Reranking model ${name} ready`);
        return { model, context };
      } catch (error) {
        await model?.dispose();
        throw new Error(`Could not load the reranking model ${modelPath}: ${messageOf(error)}. ${UNRANKED}. To fix: ${FIX}.`);
      }
    },
    {
      retryAfterMs: options.retryAfterMs ?? 60_000,
      log,
      precheck: () =>
        existsSync(/*turbopackIgnore: true*/ modelPath)
          ? undefined
          : `No reranking model: RERANK_MODEL_PATH points at ${modelPath}, which does not exist. ${UNRANKED}. To fix: ${FIX}.`,
    },
  );

  return {
    provider: "embedded",
    model: name,

    async status(): Promise<RerankStatus> {
      preparation.start();
      const phase = preparation.phase;
      if (phase.kind === "ready") return { state: "ready", provider: "embedded", detail: `Reranking by ${name} on this machine's CPU.` };
      if (phase.kind === "unavailable") return { state: "unavailable", provider: "embedded", detail: phase.reason };
      return { state: "preparing", provider: "embedded", detail: `Loading the reranking model ${name}. ${UNRANKED} until then.` };
    },

    async rerank(query, documents, { signal } = {}) {
      const { context } = await preparation.get(signal);
      const scores: number[] = [];
      for (let start = 0; start < documents.length; start += DOCUMENTS_PER_STEP) {
        signal?.throwIfAborted();
        // A document too long for the context is scored in overlapping pieces; its best piece counts.
        scores.push(...(await context.rankAll(query, documents.slice(start, start + DOCUMENTS_PER_STEP), { onOverflow: "maxChunk" })));
      }
      signal?.throwIfAborted();
      return scores;
    },

    dispose: () =>
      preparation.dispose(async ({ context, model }) => {
        await context.dispose();
        await model.dispose();
      }),
  };
}
