/** Turns what useChat reports into a sentence a user can act on. */
export function describeChatError(error: Error | undefined | null): string {
  if (!error) return "";
  const raw = error.message ?? "";
  if (/failed to fetch|networkerror|load failed|network/i.test(raw)) {
    return "Could not reach Parley. Check your connection and retry.";
  }
  try {
    const body = JSON.parse(raw) as { error?: { message?: string } };
    if (body.error?.message) return body.error.message;
  } catch {
    // Not JSON: the stream's own error text.
  }
  return raw || "Something went wrong.";
}
