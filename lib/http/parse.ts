import { z } from "zod";
import { mediaType, readBody } from "./body";
import { badRequest, HttpError } from "./errors";
import { checkText, fieldName, repairText } from "./text-safety";

/** Checks a value against a schema; a 400 names the first field that is wrong. */
export function validate<S extends z.ZodType>(schema: S, value: unknown): z.infer<S> {
  const result = schema.safeParse(value);
  if (!result.success) {
    const issues = result.error.issues.map((issue) => ({
      path: fieldName(issue.path.filter((p): p is string | number => typeof p !== "symbol")),
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

export interface Upload {
  files: UploadedFormFile[];
  fields: Record<string, string>;
}

/**
 * A multipart/form-data upload: the files under `field` and the other (text)
 * fields. The body is read up to `maxBytes` and no further; text fields must be
 * storable text; file names are repaired (a name is the user's file system's,
 * not something they typed) and stripped of control characters.
 */
export async function readUpload(request: Request, { field, maxBytes }: { field: string; maxBytes: number }): Promise<Upload> {
  if (mediaType(request) !== "multipart/form-data") {
    throw new HttpError("unsupported_media_type", `Send files as multipart/form-data in the field "${field}".`);
  }
  const bytes = await readBody(request, maxBytes);
  let form: FormData;
  try {
    form = await new Response(bytes as Uint8Array<ArrayBuffer>, {
      headers: { "content-type": request.headers.get("content-type")! },
    }).formData();
  } catch {
    throw badRequest("The body is not valid multipart/form-data.");
  }
  const files: UploadedFormFile[] = [];
  const fields: Record<string, string> = {};
  for (const [key, value] of form.entries()) {
    checkText({ [key]: "" }, [], "form");
    if (typeof value === "string") {
      if (key === field) throw badRequest(`"${field}" must hold files, not text.`);
      fields[key] = checkText({ [key]: value }, [], "form")[key]!;
    } else if (key === field) {
      files.push({ name: safeFileName(value.name), bytes: new Uint8Array(await value.arrayBuffer()) });
    }
  }
  return { files, fields };
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is removed.
const CONTROL = /[\u0000-\u001f\u007f]/g;

function safeFileName(name: string): string {
  return repairText(name).replace(CONTROL, "").trim();
}
