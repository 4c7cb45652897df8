import { z } from "zod";

/**
 * Zod 4 tests whether it may compile validators with `new Function` the first
 * time it parses (the AI SDK parses every chunk of a streamed answer with
 * it). Under Parley's CSP (no 'unsafe-eval') that test is refused and
 * reported as a CSP violation; in the browser, tell Zod not to try. The
 * server has no CSP and keeps compiled validators.
 */
if (typeof window !== "undefined") z.config({ jitless: true });
