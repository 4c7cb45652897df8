import type { z } from "zod";
import { authenticate, type Authenticated } from "../auth/authenticate";
import { config } from "../config";
import { DRAINING_MESSAGE, DRAINING_RETRY_AFTER_S, isDraining } from "../shutdown";
import { Trace, type TraceKind, type TraceSource } from "../telemetry/trace";
import { decodeUtf8, mediaType, readBody } from "./body";
import { badRequest, errorResponse, forbidden, HttpError } from "./errors";
import { assertSameOrigin } from "./origin";
import { readUpload, validate, type Upload } from "./parse";
import { checkText, type RepairPatterns } from "./text-safety";

/**
 * The one request pipeline every route handler goes through, in this order:
 *
 *   1. origin check  state-changing browser requests must come from Parley's own pages (origin.ts);
 *                    then a route that starts an answer answers 503 while the server shuts down
 *   2. authentication  session cookie or bearer API key; admin-only routes answer 403 to others
 *   3. limits        (rate limits plug in here, between knowing the caller and reading the body)
 *   4. parsing       route params, query and body, strictly: real JSON or multipart only, the
 *                    size enforced while reading, NUL/lone surrogates refused naming the field
 *   5. the handler   which only authorizes what is specific to it and delegates to lib/*
 *
 * Anything thrown becomes a typed JSON error (errors.ts): a 4xx that says what
 * is wrong, or a 500 that leaks nothing. Timings of the pipeline's own stages
 * go into the request's trace (when the route keeps one) and a Server-Timing
 * header.
 */

type Schema = z.ZodType;

/** Who may call a route. "optional": anyone; `user` is set when the caller signed in or sent a key. */
export type Access = "user" | "admin" | "optional" | "none";

export type BodySpec =
  /** A JSON body (Content-Type application/json) checked against `json`. `repair`: fields whose text is repaired, not refused. */
  | { json: Schema; maxBytes?: number; repair?: RepairPatterns }
  /** multipart/form-data: the files in `field` and the text fields. */
  | { upload: { field: string; maxBytes: number } }
  /** The handler reads the body itself, with lib/http/body.ts and parse.ts (which enforce their limits while reading). */
  | "handler";

export interface RouteSpec {
  access: Access;
  params?: Schema;
  query?: Schema;
  body?: BodySpec;
  /** Keep a trace of this request (chat turns, speech): the pipeline's stages are its first. */
  trace?: { kind: TraceKind; source?: TraceSource };
  /** Starts a chat answer: refused (503, Retry-After) once the server is shutting down (lib/shutdown.ts). */
  startsAnswer?: true;
}

type Infer<S> = S extends Schema ? z.infer<S> : undefined;
type BodyOf<B> = B extends { json: infer S } ? Infer<S> : B extends { upload: unknown } ? Upload : undefined;
type UserOf<A> = A extends "user" | "admin" ? Authenticated : A extends "optional" ? Authenticated | null : null;

export interface RouteInput<S extends RouteSpec> {
  request: Request;
  user: UserOf<S["access"]>;
  params: Infer<S["params"]>;
  query: Infer<S["query"]>;
  body: BodyOf<S["body"]>;
  trace: S["trace"] extends object ? Trace : undefined;
}

const DEFAULT_JSON_BYTES = 1_000_000;

type Context = { params: Promise<Record<string, string | string[]>> };

/** Defines a route handler that runs through the pipeline above. */
export function route<const S extends RouteSpec>(
  spec: S,
  handler: (input: RouteInput<S>) => Promise<Response> | Response,
): (request: Request, context?: Context) => Promise<Response> {
  return async (request, context) => {
    const started = performance.now();
    const timings: string[] = [];
    const timed = async <T>(name: string, work: () => Promise<T> | T): Promise<T> => {
      const t0 = performance.now();
      try {
        return await work();
      } finally {
        timings.push(`${name};dur=${(performance.now() - t0).toFixed(1)}`);
      }
    };
    try {
      assertSameOrigin(request, config.auth.url);
      if (spec.startsAnswer && isDraining()) {
        return new HttpError("unavailable", DRAINING_MESSAGE).toResponse({ "retry-after": String(DRAINING_RETRY_AFTER_S), connection: "close" });
      }
      const trace = spec.trace ? new Trace(spec.trace.kind, spec.trace.source ?? "ui") : undefined;
      const user = await (trace ? trace.time("auth", () => caller(request, spec.access)) : timed("auth", () => caller(request, spec.access)));
      if (trace && user) {
        trace.fields.userId = user.id;
        if (!spec.trace?.source) trace.source = user.method === "api_key" ? "api" : "ui";
      }
      const input = await timed("parse", async () => ({
        params: spec.params ? validate(spec.params, checkText((await context?.params) ?? {}, [], "path")) : undefined,
        query: spec.query ? validate(spec.query, checkText(queryOf(request), [], "query")) : undefined,
        body: await readSpecBody(request, spec.body),
      }));
      const response = await handler({ request, user, trace, ...input } as RouteInput<S>);
      timings.push(`total;dur=${(performance.now() - started).toFixed(1)}`);
      addServerTiming(response, timings);
      return response;
    } catch (error) {
      const response = errorResponse(error);
      if (bodyLeftUnread(request, error)) response.headers.set("connection", "close");
      return response;
    }
  };
}

/**
 * A request refused before its body was read (or cut off mid-way) still has
 * bytes on the wire: the connection cannot carry another request, so it is
 * closed once the answer is sent rather than left reading a 60 MB upload.
 */
function bodyLeftUnread(request: Request, error: unknown): boolean {
  if (!request.body) return false;
  return !request.bodyUsed || (error instanceof HttpError && error.code === "payload_too_large");
}

async function caller(request: Request, access: Access): Promise<Authenticated | null> {
  if (access === "none") return null;
  if (access === "optional") {
    try {
      return await authenticate(request);
    } catch (error) {
      if (error instanceof HttpError && error.code === "unauthorized") return null;
      throw error;
    }
  }
  const user = await authenticate(request);
  if (access === "admin" && user.role !== "admin") {
    throw forbidden(`Only an administrator may ${request.method === "GET" ? "see" : "do"} this.`);
  }
  return user;
}

function queryOf(request: Request): Record<string, string> {
  return Object.fromEntries(new URL(request.url).searchParams);
}

async function readSpecBody(request: Request, spec: BodySpec | undefined): Promise<unknown> {
  if (spec === undefined || spec === "handler") return undefined;
  if ("upload" in spec) return readUpload(request, spec.upload);
  return readJson(request, spec.json, spec.maxBytes ?? DEFAULT_JSON_BYTES, spec.repair);
}

/**
 * A JSON body: the media type must be application/json itself (a form or
 * text/plain POST needs no CORS preflight, which is what let other origins
 * send them), read up to `maxBytes`, valid UTF-8 and JSON, with storable text.
 */
export async function readJson<S extends Schema>(
  request: Request,
  schema: S,
  maxBytes = DEFAULT_JSON_BYTES,
  repair: RepairPatterns = [],
): Promise<z.infer<S>> {
  if (mediaType(request) !== "application/json") {
    throw new HttpError("unsupported_media_type", "Send the body as application/json (Content-Type: application/json).");
  }
  const text = decodeUtf8(await readBody(request, maxBytes));
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw badRequest("The body is not valid JSON.");
  }
  return validate(schema, checkText(body, repair));
}

function addServerTiming(response: Response, timings: string[]) {
  try {
    response.headers.append("server-timing", timings.join(", "));
  } catch {
    // Immutable headers (a proxied fetch Response): the timing header is only a courtesy.
  }
}

