import { chatModel } from "./ai/chat-model";
import type { ModelStatus } from "./ai/types";
import { database } from "./db/client";
import { ingestWorkerStatus } from "./rag/ingest/queue";
import { knowledgeStatus, type KnowledgeStatus } from "./rag/status";
import { DRAINING_REASON, isDraining } from "./shutdown";
import { asrStatus, ttsStatus, type SpeechStatus } from "./speech";

export interface Health {
  status: "ok" | "unavailable";
  reasons: string[];
  database: { ok: boolean; kind?: string; error?: string };
  model: ModelStatus;
  /** Knowledge base retrieval: does not decide `status` (chat works without it), but says what is degraded. */
  knowledge: KnowledgeStatus | { error: string };
  /** Speaker buttons (tts) and the microphone (asr): like knowledge, they do not decide `status`. */
  speech: { tts: SpeechStatus; asr: SpeechStatus & { lowAccuracy: boolean } };
  /**
   * The worker that turns uploads into searchable text; `error` is why its last start failed.
   * Does not decide `status` (chat answers without it; uploads wait in the queue), but a
   * worker this process should run and does not is listed in `reasons`.
   */
  ingestion: { running: boolean; error?: string };
}

/** Can Parley answer right now? Database reachable and a model ready; plus how the knowledge base searches. */
export async function checkHealth(): Promise<Health> {
  // Shutting down: answers still finish here, but new turns belong on another instance.
  const reasons: string[] = isDraining() ? [DRAINING_REASON] : [];
  let db: Health["database"];
  try {
    const { sql, kind } = await database();
    await sql.query("SELECT 1");
    db = { ok: true, kind };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    db = { ok: false, error: message };
    reasons.push(`Database: ${message}`);
  }
  const model = await (await chatModel()).status();
  if (model.state === "unavailable") reasons.push(`Model: ${model.reason}`);
  else if (model.state !== "ready") reasons.push(`Model: ${model.message}`);
  const knowledge = await knowledgeStatus().catch((error: Error) => ({ error: error.message }));
  const [tts, asr] = await Promise.all([ttsStatus(), asrStatus()]);
  const status = reasons.length === 0 ? "ok" : "unavailable";
  const { expected, running, error } = ingestWorkerStatus();
  if (expected && !running) reasons.push(`Ingestion worker: not running (${error ?? "starting"})`);
  const ingestion = { running, ...(error ? { error } : {}) };
  return { status, reasons, database: db, model, knowledge, speech: { tts, asr }, ingestion };
}

/** What anyone may see of health: what is down, in words that name no host, path or error. */
export interface PublicHealth {
  status: Health["status"];
  reasons: string[];
}

/**
 * Health without its details: an anonymous caller (a load balancer, a
 * monitor, anyone on the network) learns whether Parley can answer and which
 * part is not ready, not the internal URLs and connection errors behind it.
 */
export function publicHealth(health: Health): PublicHealth {
  return { status: health.status, reasons: health.reasons.map(genericReason) };
}

function genericReason(reason: string): string {
  if (reason === DRAINING_REASON) return reason;
  const part = reason.split(":")[0]!.trim();
  if (part === "Model" && /download|load/i.test(reason)) return "Model: not ready yet (preparing)";
  return `${part}: not available`;
}
