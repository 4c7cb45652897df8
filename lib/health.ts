import { chatModel } from "./ai/chat-model";
import type { ModelStatus } from "./ai/types";
import { database } from "./db/client";

export interface Health {
  status: "ok" | "unavailable";
  reasons: string[];
  database: { ok: boolean; kind?: string; error?: string };
  model: ModelStatus;
}

/** Can Parley answer right now? Database reachable and a model ready. */
export async function checkHealth(): Promise<Health> {
  const reasons: string[] = [];
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
  return { status: reasons.length === 0 ? "ok" : "unavailable", reasons, database: db, model };
}
