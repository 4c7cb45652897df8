import { generateText } from "ai";
import type { ChatModelProvider } from "../ai/types";
import { saveSummary, setGeneratedTitle } from "../db/queries/chats";
import { Trace, type TraceKind } from "../telemetry/trace";
import type { HistoryMessage } from "./context";

const TITLE_INSTRUCTIONS =
  "Write a short title (at most six words) for a conversation that begins with the user's message below. Reply with the title only, no quotes.";

const SUMMARY_INSTRUCTIONS =
  "Summarize the conversation below so it can stand in for it later: keep names, facts, decisions, open questions and what the user wants. At most 200 words. Reply with the summary only.";

/** A title from the first words of a message: shown at once, replaced when the model's title arrives. */
export function provisionalTitle(text: string): string {
  const words = text.trim().replace(/\s+/g, " ").split(" ").slice(0, 8).join(" ");
  const title = words.length > 60 ? `${words.slice(0, 57)}…` : words;
  return title || "New chat";
}

export function cleanTitle(raw: string): string | null {
  const line = raw.trim().split("\n")[0]?.trim() ?? "";
  const title = line.replace(/^(title:\s*)/i, "").replace(/^["'`*#\s]+|["'`*.\s]+$/g, "").slice(0, 80);
  return title.length > 0 ? title : null;
}

/** Runs a background model call with its own trace, so it never counts as a user's wait. */
async function backgroundCall(
  kind: TraceKind,
  provider: ChatModelProvider,
  userId: string,
  chatId: string,
  prompt: { system: string; prompt: string; maxOutputTokens: number },
): Promise<string | null> {
  const trace = new Trace(kind, "background");
  trace.fields = { userId, chatId, model: provider.modelName };
  const end = trace.start("generation");
  try {
    const { text, usage } = await generateText({
      model: await provider.languageModel(),
      ...prompt,
      temperature: 0.2,
      maxRetries: 1,
      abortSignal: AbortSignal.timeout(120_000),
    });
    end();
    trace.fields.promptTokens = usage.inputTokens;
    trace.fields.completionTokens = usage.outputTokens;
    trace.save("ok");
    return text;
  } catch (error) {
    end();
    trace.fields.error = error instanceof Error ? error.message : String(error);
    trace.save("error");
    return null;
  }
}

export async function generateTitle(provider: ChatModelProvider, userId: string, chatId: string, firstMessage: string) {
  const raw = await backgroundCall("title", provider, userId, chatId, {
    system: TITLE_INSTRUCTIONS,
    prompt: firstMessage.slice(0, 2_000),
    maxOutputTokens: 24,
  });
  const title = raw ? cleanTitle(raw) : null;
  if (title) await setGeneratedTitle(chatId, title);
}

/** Folds messages that fell out of the context budget into the chat's running summary. */
export async function summarizeDropped(
  provider: ChatModelProvider,
  userId: string,
  chatId: string,
  previous: string | null,
  dropped: HistoryMessage[],
) {
  const last = dropped.at(-1);
  if (!last) return;
  const transcript = dropped.map((m) => `${m.role === "user" ? "User" : "Assistant"}: ${m.text}`).join("\n\n");
  const text = await backgroundCall("summary", provider, userId, chatId, {
    system: SUMMARY_INSTRUCTIONS,
    prompt: (previous ? `Summary so far:\n${previous}\n\nThen:\n` : "") + transcript.slice(-24_000),
    maxOutputTokens: 320,
  });
  if (text?.trim()) await saveSummary(chatId, text.trim(), last.seq);
}

const inFlight = new Set<string>();

/** Starts background work for a chat unless the same work is already running. */
export function runInBackground(key: string, work: () => Promise<void>) {
  if (inFlight.has(key)) return;
  inFlight.add(key);
  void work()
    .catch((error) => console.error(`[parley] background ${key} failed`, error))
    .finally(() => inFlight.delete(key));
}
