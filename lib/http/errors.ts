/**
 * Typed errors that route handlers turn into JSON responses. Anything thrown that
 * is not an HttpError becomes a 500 with no internals leaked.
 */
export type ErrorCode =
  | "bad_request"
  | "unauthorized"
  | "forbidden"
  | "not_found"
  | "conflict"
  | "payload_too_large"
  | "unsupported_media_type"
  | "unprocessable"
  | "rate_limited"
  | "unavailable"
  | "internal";

const STATUS: Record<ErrorCode, number> = {
  bad_request: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  unprocessable: 422,
  rate_limited: 429,
  unavailable: 503,
  internal: 500,
};

export class HttpError extends Error {
  readonly status: number;
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = "HttpError";
    this.status = STATUS[code];
  }

  toJSON() {
    return {
      error: {
        code: this.code,
        message: this.message,
        ...(this.details === undefined ? {} : { details: this.details }),
      },
    };
  }

  toResponse(headers?: HeadersInit): Response {
    return Response.json(this.toJSON(), { status: this.status, headers });
  }
}

export const badRequest = (message: string, details?: unknown) =>
  new HttpError("bad_request", message, details);
export const unauthorized = (message = "Sign in or send Authorization: Bearer <api key>.") =>
  new HttpError("unauthorized", message);
export const forbidden = (message = "You may not do that.") => new HttpError("forbidden", message);
export const notFound = (what: string) => new HttpError("not_found", `${what} not found.`);
export const conflict = (message: string) => new HttpError("conflict", message);

/** Turns anything thrown inside a handler into a JSON Response. */
export function errorResponse(error: unknown): Response {
  if (error instanceof HttpError) return error.toResponse();
  console.error("[parley] unhandled error", error);
  return new HttpError("internal", "Something went wrong on the server.").toResponse();
}
