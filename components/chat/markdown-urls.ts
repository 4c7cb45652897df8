/**
 * What the Markdown renderer may do with a URL written by the model. Answers
 * can be steered by text in a document the user uploaded (prompt injection),
 * so a URL in an answer is untrusted:
 * - an image loads by itself, with no click, and its query string can carry
 *   chat text to whoever runs its host. Only images from Parley itself, data:
 *   images (no network) and hosts the admin allows (MARKDOWN_IMAGE_HOSTS)
 *   render inline; any other is a placeholder naming its host.
 * - a link shows where it really goes, and only http(s), mailto and in-page
 *   #anchors are links at all: javascript:, data:, vbscript:, file: and the
 *   like are refused (shown as plain text).
 * The URL given to the browser is the parsed, normalized one, so what the
 * user is shown (its host) is what the browser would use.
 */
export type ImageDecision =
  | { kind: "inline"; src: string }
  | { kind: "placeholder"; href: string; host: string }
  | { kind: "refused" };

export type LinkDecision =
  | { kind: "anchor"; href: string }
  | { kind: "link"; href: string; target: string; showTarget: boolean }
  | { kind: "refused" };

export interface UrlContext {
  /** Normalized MARKDOWN_IMAGE_HOSTS entries: `host` (any port) or `host:port`. */
  imageHosts: readonly string[];
  /** The page's own origin, or null while rendering on the server. */
  origin: string | null;
}

const SCHEME = /^[a-z][a-z0-9+.-]*:/i;
/** Stands in for Parley's origin when resolving relative URLs, which always stay on Parley. */
const HERE = "https://parley.invalid";
/** Raster and SVG data: images (an SVG in <img> runs no script). Not data:text/html and friends. */
const DATA_IMAGE = /^data:image\/(?:png|jpe?g|gif|webp|avif|bmp|svg\+xml)[;,]/i;

interface Resolved {
  url: URL;
  /** Relative to the page (its origin is Parley's, whatever the page's URL). */
  relative: boolean;
}

function resolve(raw: string): Resolved | null {
  try {
    if (SCHEME.test(raw)) return { url: new URL(raw), relative: false };
    const url = new URL(raw, `${HERE}/`);
    return { url, relative: url.origin === HERE };
  } catch {
    return null;
  }
}

const isWeb = (url: URL) => url.protocol === "http:" || url.protocol === "https:";
const pathOf = (url: URL) => `${url.pathname}${url.search}${url.hash}`;

function effectivePort(url: URL): string {
  return url.port || (url.protocol === "https:" ? "443" : "80");
}

/** Whether an http(s) URL's host is on the admin's allow-list (a `host` entry allows every port). */
export function isAllowedImageHost(url: URL, imageHosts: readonly string[]): boolean {
  return imageHosts.some((entry) => {
    const [host, port] = entry.split(":");
    return url.hostname === host && (port === undefined || effectivePort(url) === port);
  });
}

export function classifyImage(src: string, { imageHosts, origin }: UrlContext): ImageDecision {
  const raw = src.trim();
  if (DATA_IMAGE.test(raw)) return { kind: "inline", src: raw };
  const resolved = raw ? resolve(raw) : null;
  if (!resolved) return { kind: "refused" };
  const { url, relative } = resolved;
  if (relative) return { kind: "inline", src: pathOf(url) };
  if (!isWeb(url)) return { kind: "refused" };
  if (url.origin === origin || isAllowedImageHost(url, imageHosts)) return { kind: "inline", src: url.href };
  return { kind: "placeholder", href: url.href, host: url.host };
}

/** Compares a link's text with its address: case, scheme, `//` and trailing slashes aside. */
function bare(value: string): string {
  return value.trim().toLowerCase().replace(SCHEME, "").replace(/^\/\//, "").replace(/\/+$/, "");
}

/**
 * `text` is the link's visible text. `showTarget` is false only when that text
 * already is the address (an autolink such as https://example.com); a link
 * whose text says something else (or another address) gets its target shown.
 */
export function classifyLink(href: string, text: string): LinkDecision {
  const raw = href.trim();
  if (raw.startsWith("#")) return { kind: "anchor", href: raw };
  const resolved = raw ? resolve(raw) : null;
  if (!resolved) return { kind: "refused" };
  const { url, relative } = resolved;
  let target: string;
  let normalized: string;
  if (relative) {
    // A page of Parley's own: its path is where it goes.
    normalized = pathOf(url);
    target = url.pathname;
  } else if (url.protocol === "mailto:") {
    normalized = url.href;
    target = safeDecode(url.pathname);
  } else if (isWeb(url)) {
    normalized = url.href;
    target = url.host;
  } else {
    return { kind: "refused" };
  }
  const shown = bare(text);
  const showTarget = shown !== bare(normalized) && shown !== bare(raw) && shown !== bare(target);
  return { kind: "link", href: normalized, target, showTarget };
}

function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}
