import { z } from "zod";
import { RANGES } from "@/lib/telemetry/performance-report";

const KINDS = ["chat", "tts", "transcribe", "title", "summary", "resume"] as const;
const MAX_SPAN_MS = 366 * 24 * 3_600_000;

export const performanceQuery = z
  .object({
    range: z.enum(Object.keys(RANGES) as [keyof typeof RANGES], { error: `range must be one of ${Object.keys(RANGES).join(", ")}.` }).default("24h"),
    from: z.iso.datetime({ error: "from must be an ISO date-time, e.g. 2026-11-21T10:00:00Z." }).optional(),
    to: z.iso.datetime({ error: "to must be an ISO date-time, e.g. 2026-11-21T12:00:00Z." }).optional(),
    kind: z.enum(KINDS, { error: `kind must be one of ${KINDS.join(", ")}.` }).default("chat"),
    model: z.string().trim().min(1).max(200).optional(),
    user: z.uuid("user must be a user id (UUID).").optional(),
    retrieval: z.enum(["with", "without"], { error: "retrieval must be with or without." }).optional(),
    chat: z.uuid("chat must be a chat id (UUID).").optional(),
    limit: z.coerce.number().int().min(1).max(200).default(50),
  })
  .refine((q) => (q.from === undefined) === (q.to === undefined), "Give both from and to, or neither (then range applies).")
  .refine((q) => q.from === undefined || q.to === undefined || Date.parse(q.from) < Date.parse(q.to), "from must be before to.")
  .refine(
    (q) => q.from === undefined || q.to === undefined || Date.parse(q.to) - Date.parse(q.from) <= MAX_SPAN_MS,
    "The time range may span at most 366 days.",
  );

export const clientTimingSchema = z
  .object({
    requestId: z.uuid("requestId must be the X-Request-Id of one of your requests."),
    connectMs: z.number().min(0).max(600_000).optional(),
    firstTokenOnScreenMs: z.number().min(0).max(3_600_000).optional(),
  })
  .refine((t) => t.connectMs !== undefined || t.firstTokenOnScreenMs !== undefined, "Report connectMs, firstTokenOnScreenMs or both.");
