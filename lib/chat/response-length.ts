/**
 * Adaptive response length: how many tokens the model may answer with, from
 * what the user asked. Requests for depth get room (2,048); brief questions a
 * short budget (96-240, growing with the question); everything else 1,024.
 */
export const DETAILED_LIMIT = 2048;
export const DEFAULT_LIMIT = 1024;
export const BRIEF_MIN = 96;
export const BRIEF_MAX = 240;

const DETAIL_PATTERNS = [
  /\bin (?:great |more |full )?detail\b/,
  /\bdetailed\b/,
  /\bstep[- ]by[- ]step\b/,
  /\bcomprehensive(?:ly)?\b/,
  /\bin[- ]depth\b/,
  /\bthorough(?:ly)?\b/,
  /\belaborate\b/,
  /\bwalk me through\b/,
  /\bexplain (?:fully|everything)\b/,
];

// Requests that produce artefacts, not short answers.
const WORK_PATTERNS = /\b(?:write|draft|implement|code|generate|create|translate|rewrite|summari[sz]e|list|compare|essay|story|script|function|program)\b/;

const QUESTION_START =
  /^(?:who|what|when|where|which|why|how|is|are|was|were|do|does|did|can|could|should|would|will|define)\b/;

export function responseTokenLimit(message: string): number {
  const text = message.trim().toLowerCase();
  if (DETAIL_PATTERNS.some((pattern) => pattern.test(text))) return DETAILED_LIMIT;
  const words = text.split(/\s+/).filter(Boolean).length;
  const isQuestion = text.endsWith("?") || QUESTION_START.test(text);
  if (isQuestion && words <= 30 && !WORK_PATTERNS.test(text)) {
    // 96 tokens up to three words, then 5 more a word, capped at 240.
    return Math.min(BRIEF_MAX, BRIEF_MIN + Math.max(0, words - 3) * 5);
  }
  return DEFAULT_LIMIT;
}
