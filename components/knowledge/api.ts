/** The message of a knowledge API error (`{error:{message}}`), or a fallback for anything else. */
export async function errorMessage(response: Response, fallback = "Something went wrong."): Promise<string> {
  try {
    const body = (await response.json()) as { error?: { message?: string } };
    return body.error?.message ?? fallback;
  } catch {
    return fallback;
  }
}

/** Fetches JSON from the knowledge API; throws an Error carrying the server's message. */
export async function fetchJson<T>(url: string, init?: RequestInit & { json?: unknown }): Promise<T> {
  const { json, ...rest } = init ?? {};
  const response = await fetch(url, {
    cache: "no-store",
    ...rest,
    ...(json !== undefined
      ? { body: JSON.stringify(json), headers: { "content-type": "application/json", ...rest.headers } }
      : {}),
  });
  if (!response.ok) throw new Error(await errorMessage(response, `Request failed (${response.status}).`));
  return (response.status === 204 ? undefined : await response.json()) as T;
}
