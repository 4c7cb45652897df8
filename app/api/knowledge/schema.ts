import { z } from "zod";

export const idSchema = z.uuid("The id must be a UUID.");
export const idParams = z.object({ id: idSchema });

export const listDocumentsQuery = z.object({
  collectionId: z.uuid("collectionId must be a UUID.").optional(),
});

export const uploadFieldsSchema = z.object({
  collectionId: z.uuid("collectionId must be a UUID.").optional(),
});

export const chunksQuery = z.object({
  offset: z.coerce.number().int().min(0).default(0),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});

export const textQuery = z
  .object({
    start: z.coerce.number().int().min(0).optional(),
    end: z.coerce.number().int().min(0).optional(),
    /** Characters of context on each side of [start, end). */
    around: z.coerce.number().int().min(0).max(20_000).default(1_500),
  })
  .refine((q) => (q.start === undefined) === (q.end === undefined), "Give both start and end, or neither.")
  .refine((q) => q.start === undefined || q.end === undefined || q.start <= q.end, "start must not be after end.");

export const createCollectionSchema = z.object({
  name: z.string().trim().min(1, "name must not be empty").max(120, "name must be at most 120 characters"),
  shared: z.boolean().optional(),
  everyone: z.boolean().optional(),
});

export const updateCollectionSchema = z.object({ everyone: z.boolean() });

export const grantSchema = z.object({
  email: z.string().trim().toLowerCase().pipe(z.email("Enter a valid email address.")),
});

export const searchSchema = z.object({
  query: z.string().trim().min(1, "query must not be empty").max(2_000),
  mode: z.enum(["lexical", "dense", "hybrid", "hybrid+rerank"]).optional(),
  topK: z.number().int().min(1).max(50).optional(),
});
