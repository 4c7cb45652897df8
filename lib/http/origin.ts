import { HttpError } from "./errors";

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

/**
 * Cross-site request forgery: a page on another origin (another port of the
 * same host counts: browsers call that "same-site") can make the user's
 * browser send a form POST, or a fetch with a "simple" content type, that
 * carries Parley's session cookie. SameSite=Lax stops only other sites.
 *
 * So every state-changing request that a browser could have sent with
 * ambient credentials must say it came from Parley's own pages:
 * `Sec-Fetch-Site: same-origin` (or `none`: typed by the user), or, from a
 * browser too old to send Fetch metadata, an `Origin` naming Parley's own
 * host. A request with neither header did not come from a browser, and a
 * bearer API key is never sent by a browser on its own, so both pass.
 */
export function assertSameOrigin(request: Request, publicOrigin: string | undefined): void {
  if (SAFE_METHODS.has(request.method)) return;
  if (request.headers.has("authorization")) return;
  const site = request.headers.get("sec-fetch-site");
  if (site !== null) {
    if (site === "same-origin" || site === "none") return;
    throw crossOrigin();
  }
  const origin = request.headers.get("origin");
  if (origin === null) return;
  if (!ownHosts(request, publicOrigin).has(hostOf(origin) ?? "")) throw crossOrigin();
}

/** The host[:port] names this request may legitimately come from. */
function ownHosts(request: Request, publicOrigin: string | undefined): Set<string> {
  const hosts = new Set<string>();
  const host = request.headers.get("host");
  if (host) hosts.add(host.toLowerCase());
  // Set by the reverse proxy in front of Parley; a browser cannot set it on a cross-origin request.
  const forwarded = request.headers.get("x-forwarded-host")?.split(",")[0]?.trim();
  if (forwarded) hosts.add(forwarded.toLowerCase());
  const configured = publicOrigin ? hostOf(publicOrigin) : undefined;
  if (configured) hosts.add(configured);
  return hosts;
}

function hostOf(url: string): string | undefined {
  try {
    return new URL(url).host.toLowerCase();
  } catch {
    return undefined; // "null" (sandboxed frames, file: pages) or garbage: never our own.
  }
}

function crossOrigin(): HttpError {
  return new HttpError(
    "forbidden",
    "This request came from another site or origin, so Parley refused it (cross-site request forgery protection). Use Parley's own pages, or send an API key in Authorization.",
  );
}
