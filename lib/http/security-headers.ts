/**
 * The security headers Parley sends: a strict Content-Security-Policy with a
 * per-request nonce on every page (set by proxy.ts), and a no-content policy
 * on API responses (set by next.config.ts). Pure functions: no environment is
 * read here, so the policy is the same in tests and at run time.
 *
 * Why each page directive is what it is:
 * - script-src: only Next's own scripts, which it stamps with the request's
 *   nonce; 'strict-dynamic' lets them load their chunks and the voice
 *   detector's onnxruntime module. No 'unsafe-inline': an injected inline
 *   script never runs. 'wasm-unsafe-eval' compiles onnxruntime's WebAssembly
 *   (compiling WASM, not eval of strings). `next dev` adds 'unsafe-eval',
 *   which React's development build needs; production never has it.
 * - style-src: Tailwind's stylesheets from 'self', plus inline <style> only
 *   with the nonce. style-src-attr 'unsafe-inline' allows style="" attributes,
 *   which React renders for progress bars and charts; attributes cannot load
 *   anything the other directives refuse.
 * - img-src: Parley's own images, data: and blob:, and the hosts the admin
 *   allows (MARKDOWN_IMAGE_HOSTS). Any other image URL in an answer is not
 *   even requested: the browser refuses it even if rendering code let one
 *   through, so chat text cannot leak in an image's query string.
 * - connect-src 'self': the page talks to Parley only.
 * - no upgrade-insecure-requests: self-hosted installs often run plain HTTP
 *   on a LAN, where it would break every request; HTTPS is the TLS proxy's job.
 */
export interface PagePolicyOptions {
  nonce: string;
  /** Normalized MARKDOWN_IMAGE_HOSTS entries: `host` or `host:port`. */
  imageHosts: readonly string[];
  /** `next dev`: React's development build needs eval and injects unnonced styles. */
  development: boolean;
}

/** A fresh, unguessable nonce for one response (128 random bits, base64). */
export function newNonce(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return btoa(String.fromCharCode(...bytes));
}

/**
 * The CSP source for an allowed image host. Without a scheme it matches the
 * page's own (and https from an http page); without a port, any port.
 */
export function imageHostSource(entry: string): string {
  return entry.includes(":") ? entry : `${entry}:*`;
}

export function pageContentSecurityPolicy({ nonce, imageHosts, development }: PagePolicyOptions): string {
  const directives: Array<[string, string[]]> = [
    ["default-src", ["'self'"]],
    [
      "script-src",
      ["'self'", `'nonce-${nonce}'`, "'strict-dynamic'", "'wasm-unsafe-eval'", ...(development ? ["'unsafe-eval'"] : [])],
    ],
    ["style-src", development ? ["'self'", "'unsafe-inline'"] : ["'self'", `'nonce-${nonce}'`]],
    ["style-src-attr", ["'unsafe-inline'"]],
    ["img-src", ["'self'", "data:", "blob:", ...imageHosts.map(imageHostSource)]],
    // Speech is decoded from fetched bytes (Web Audio); media elements, if any, play blobs.
    ["media-src", ["'self'", "blob:", "data:"]],
    ["font-src", ["'self'"]],
    ["connect-src", ["'self'"]],
    // The voice detector's AudioWorklet and onnxruntime's WASM come from /vad/.
    ["worker-src", ["'self'", "blob:"]],
    ["manifest-src", ["'self'"]],
    ["frame-src", ["'none'"]],
    ["object-src", ["'none'"]],
    ["base-uri", ["'none'"]],
    ["form-action", ["'self'"]],
    ["frame-ancestors", ["'none'"]],
  ];
  return directives.map(([name, sources]) => `${name} ${sources.join(" ")}`).join("; ");
}

/** Every header a page response carries besides X-Content-Type-Options (next.config.ts sets that on everything). */
export function pageSecurityHeaders(options: PagePolicyOptions): Record<string, string> {
  return {
    "Content-Security-Policy": pageContentSecurityPolicy(options),
    // For browsers older than frame-ancestors.
    "X-Frame-Options": "DENY",
    // Not no-referrer: that makes browsers send `Origin: null` on same-origin
    // form posts, which Auth.js and Next's own CSRF checks would then refuse.
    "Referrer-Policy": "strict-origin-when-cross-origin",
    // Voice input needs the microphone on Parley's own pages; nothing else is used.
    "Permissions-Policy": "microphone=(self), camera=(), geolocation=(), payment=(), usb=(), browsing-topics=()",
    // A page opened from an answer can never reach back into Parley's window.
    "Cross-Origin-Opener-Policy": "same-origin",
  };
}

/**
 * API responses (app/api/**, /v1/**) are data, never documents: should a
 * browser ever render one, nothing in it may run, load or be framed. Inline
 * styles stay allowed for Auth.js's own sign-out and error pages under
 * /api/auth, which are plain HTML forms with a <style> block.
 */
export const API_CONTENT_SECURITY_POLICY =
  "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

export function apiSecurityHeaders(): Record<string, string> {
  return {
    "Content-Security-Policy": API_CONTENT_SECURITY_POLICY,
    "X-Frame-Options": "DENY",
    // As on pages: Auth.js's sign-out page posts a form (see pageSecurityHeaders).
    "Referrer-Policy": "strict-origin-when-cross-origin",
  };
}
