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
  const mapped = fromStorageError(error);
  if (mapped) return mapped.toResponse(mapped.code === "unavailable" ? { "retry-after": "2" } : undefined);
  console.error("[parley] unhandled error", error);
  return new HttpError("internal", "Something went wrong on the server.").toResponse();
}

/**
 * Errors of the database layer that are the request's fault, or a passing
 * overload, rather than a bug: answered with their 4xx/503 instead of a 500.
 * (Prisma error codes: https://www.prisma.io/docs/orm/reference/error-reference.)
 */
function fromStorageError(error: unknown): HttpError | undefined {
  if (typeof error !== "object" || error === null) return undefined;
  const { code, name } = error as { code?: unknown; name?: unknown };
  if (name === "ZodError") return badRequest(`Invalid request: ${(error as Error).message}`);
  switch (code) {
    case "P2002":
      return conflict("That already exists.");
    case "P2025":
      return new HttpError("not_found", "Not found.");
    case "P2028":
    case "P2024":
    case "P1001":
    case "P1017":
      // Transaction or connection pool timed out, or the database is unreachable: try again shortly.
      return new HttpError("unavailable", "The database is busy or unreachable right now; try again in a moment.");
  }
  const text = String((error as { message?: unknown }).message ?? "");
  if (/invalid byte sequence|unsupported Unicode escape|untranslatable character/i.test(text)) {
    return badRequest("The request contains text that cannot be stored (a NUL character or broken Unicode).");
  }
  return undefined;
}
