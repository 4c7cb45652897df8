import { z } from "zod";
import { badRequest, HttpError } from "./errors";

/** Reads a JSON body and validates it, answering 400/413/415 with what is wrong. */
export async function parseJson<S extends z.ZodType>(
  request: Request,
  schema: S,
  { maxBytes = 1_000_000 }: { maxBytes?: number } = {},
): Promise<z.infer<S>> {
  const type = request.headers.get("content-type") ?? "";
  if (type && !type.toLowerCase().includes("json")) {
    throw new HttpError("unsupported_media_type", "Send the body as application/json.");
  }
  const text = await request.text();
  if (Buffer.byteLength(text) > maxBytes) {
    throw new HttpError("payload_too_large", `The body is larger than ${maxBytes} bytes.`);
  }
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw badRequest("The body is not valid JSON.");
  }
  return validate(schema, body);
}

export function parseQuery<S extends z.ZodType>(url: string | URL, schema: S): z.infer<S> {
  const params = Object.fromEntries(new URL(url).searchParams);
  return validate(schema, params);
}

export function validate<S extends z.ZodType>(schema: S, value: unknown): z.infer<S> {
  const result = schema.safeParse(value);
  if (!result.success) {
    const issues = result.error.issues.map((issue) => ({
      path: issue.path.join(".") || "(body)",
      message: issue.message,
    }));
    const first = issues[0];
    throw badRequest(`Invalid request: ${first?.path}: ${first?.message}`, issues);
  }
  return result.data;
}

export interface UploadedFormFile {
  name: string;
  bytes: Uint8Array;
}

/**
 * Reads a multipart/form-data upload: the files under `field` and the other
 * (text) fields. The declared length is checked before the body is read.
 */
export async function parseUpload(
  request: Request,
  { field, maxBytes }: { field: string; maxBytes: number },
): Promise<{ files: UploadedFormFile[]; fields: Record<string, string> }> {
  const type = request.headers.get("content-type") ?? "";
  if (!type.toLowerCase().startsWith("multipart/form-data")) {
    throw new HttpError("unsupported_media_type", `Send files as multipart/form-data in the field "${field}".`);
  }
  const declared = Number(request.headers.get("content-length") ?? "0");
  if (declared > maxBytes) {
    throw new HttpError("payload_too_large", `The upload is ${declared} bytes; at most ${maxBytes} bytes are accepted at once.`);
  }
  let form: FormData;
  try {
    form = await request.formData();
  } catch {
    throw badRequest("The body is not valid multipart/form-data.");
  }
  const files: UploadedFormFile[] = [];
  const fields: Record<string, string> = {};
  for (const [key, value] of form.entries()) {
    if (typeof value === "string") {
      if (key === field) throw badRequest(`"${field}" must hold files, not text.`);
      fields[key] = value;
    } else if (key === field) {
      files.push({ name: value.name, bytes: new Uint8Array(await value.arrayBuffer()) });
    }
  }
  return { files, fields };
}
