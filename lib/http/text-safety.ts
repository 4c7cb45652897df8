import { badRequest } from "./errors";

/**
 * NUL characters and lone UTF-16 surrogates: PostgreSQL refuses the first
 * ("invalid byte sequence for encoding UTF8: 0x00") and cannot store the
 * second, so either one reaching the database was a 500. Requests are checked
 * here, at the edge, and answered 400 naming the field; text a user pastes
 * (chat messages, text to speak) is repaired instead, because a user cannot
 * see, let alone remove, a stray control byte in what they pasted.
 */

// biome-ignore lint/suspicious/noControlCharactersInRegex: NUL is exactly what this finds.
const NUL = /\u0000/g;

/** Why a string cannot be stored, or null when it can. */
export function unsafeTextReason(text: string): string | null {
  if (text.includes("\u0000")) return "contains a NUL character (\\u0000)";
  if (!text.isWellFormed()) return "contains a lone UTF-16 surrogate (broken Unicode)";
  return null;
}

/** The text without NULs and with lone surrogates replaced by U+FFFD. */
export function repairText(text: string): string {
  return text.replace(NUL, "").toWellFormed();
}

/** A path such as ["messages", 0, "content"] as the field name a client reads: "messages[0].content". */
export function fieldName(path: readonly (string | number)[]): string {
  let name = "";
  for (const part of path) name += typeof part === "number" ? `[${part}]` : name ? `.${part}` : part;
  return name || "(body)";
}

/**
 * Field patterns whose text is repaired rather than refused: dot-separated
 * names, `*` for any one key or index ("messages.*.content").
 */
export type RepairPatterns = readonly string[];

function matches(path: readonly (string | number)[], patterns: RepairPatterns): boolean {
  return patterns.some((pattern) => {
    const parts = pattern.split(".");
    return parts.length === path.length && parts.every((part, i) => part === "*" || part === String(path[i]));
  });
}

/**
 * Walks a parsed JSON value: refuses (400, naming the field) any key or string
 * that cannot be stored, except under `repair` patterns, whose strings are
 * repaired in place. Returns the (possibly repaired) value.
 */
export function checkText<T>(value: T, repair: RepairPatterns = [], where = "body"): T {
  return walk(value, [], repair, where) as T;
}

function walk(value: unknown, path: (string | number)[], repair: RepairPatterns, where: string): unknown {
  if (typeof value === "string") {
    const reason = unsafeTextReason(value);
    if (!reason) return value;
    if (matches(path, repair)) return repairText(value);
    throw badRequest(`${describe(where, path)} ${reason}.`, [{ path: fieldName(path), message: reason }]);
  }
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) value[i] = walk(value[i], [...path, i], repair, where);
    return value;
  }
  if (value !== null && typeof value === "object") {
    const record = value as Record<string, unknown>;
    for (const key of Object.keys(record)) {
      const reason = unsafeTextReason(key);
      if (reason) throw badRequest(`A field name in ${describe(where, path)} ${reason}.`);
      record[key] = walk(record[key], [...path, key], repair, where);
    }
  }
  return value;
}

function describe(where: string, path: readonly (string | number)[]): string {
  return path.length === 0 ? `The ${where}` : `The ${where} field "${fieldName(path)}"`;
}
