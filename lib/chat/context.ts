/** One message of conversation history as the prompt builder sees it. */
export interface HistoryMessage {
  seq: number;
  role: "user" | "assistant";
  text: string;
}

/**
 * A fast, model-independent token estimate (about four characters a token for
 * English, plus per-message overhead). Budgets need an upper-ish bound, not an
 * exact count.
 */
export function estimateTokens(text: string): number {
  return Math.ceil(text.length / 4) + 4;
}

export interface FittedHistory {
  kept: HistoryMessage[];
  dropped: HistoryMessage[];
}

/**
 * Keeps the most recent messages that fit `budget` tokens, oldest dropped
 * first. The newest message is always kept, even when alone it is over budget.
 * `history` is oldest first; so are both results.
 */
export function fitHistory(history: HistoryMessage[], budget: number): FittedHistory {
  let used = 0;
  let cut = history.length;
  for (let i = history.length - 1; i >= 0; i--) {
    const cost = estimateTokens(history[i]!.text);
    if (i < history.length - 1 && used + cost > budget) break;
    used += cost;
    cut = i;
  }
  return { kept: history.slice(cut), dropped: history.slice(0, cut) };
}

export function systemPrompt(base: string, summary: string | null | undefined): string {
  if (!summary) return base;
  return `${base}\n\nSummary of the earlier part of this conversation (older messages are not shown):\n${summary}`;
}
