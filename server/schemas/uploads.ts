import { z } from 'zod';
import { KNOWLEDGE_TYPES } from '../../db/schema/knowledge';
import { sourceIdSchema, tagsSchema, titleSchema } from './common';

/** A file name as the uploader's system gave it; directories are dropped when it is stored. */
export const uploadFileNameSchema = titleSchema(255).refine((s) => !/[\u0000-\u001f]/.test(s), 'must not contain control characters');

/** What describes an upload, whether it comes over tRPC or as multipart form fields. */
export const uploadMetaSchema = z.object({
  /** The source's title; by default the file's name, or the number of files. */
  title: titleSchema(200).optional(),
  knowledgeType: z.enum(KNOWLEDGE_TYPES).optional(),
  tags: tagsSchema.optional(),
  /** Adds the files to an earlier upload; a file with the same name replaces its page. */
  sourceId: sourceIdSchema.optional(),
});

// Base64 of a file at the largest size limit an operator may configure (1 GiB).
const MAX_BASE64_CHARS = Math.ceil((1024 * 1024 * 1024) / 3) * 4;

export const uploadInputSchema = uploadMetaSchema.extend({
  files: z
    .array(
      z.object({
        /** Judged per file (startUpload), so that one bad name fails its file, not the upload. */
        name: z.string(),
        /** The file's bytes, base64-encoded. */
        contentBase64: z
          .string()
          .max(MAX_BASE64_CHARS, 'is larger than any allowed file')
          .regex(/^[A-Za-z0-9+/]*={0,2}$/, 'must be base64')
          // Decoding drops a partial last group without a word: the file would lose its tail, as rag_upload_document refuses.
          .refine(
            (s) => s.length % 4 !== 1 && !(s.includes('=') && s.length % 4 !== 0),
            'is not whole base64: it comes in groups of 4 characters, = padding only the last',
          ),
      }),
    )
    .min(1, 'must hold at least one file'),
});

export type UploadMeta = z.infer<typeof uploadMetaSchema>;
export type UploadInput = z.infer<typeof uploadInputSchema>;
