import { z } from 'zod';
import { badRequest } from '../errors';
import { describeIssues } from '../services/archive/format';

/** The largest archive an import accepts: it is spooled to disk, never held in memory. */
export const MAX_IMPORT_BYTES = 2 * 1024 ** 3;

const flag = z.enum(['0', '1', 'true', 'false']).transform((v) => v === '1' || v === 'true');

export const exportQuerySchema = z.object({ embeddings: flag.default(true) });
export const importQuerySchema = z.object({ onConflict: z.enum(['error', 'replace', 'copy']).default('error') });

/** A route's query string, validated; unknown parameters are ignored. */
export function parseQuery<S extends z.ZodType>(req: Request, schema: S): z.output<S> {
  const params = Object.fromEntries(new URL(req.url).searchParams);
  const parsed = schema.safeParse(params);
  if (!parsed.success) throw badRequest(`Invalid query: ${describeIssues(parsed.error)}`);
  return parsed.data;
}

/** `<id>.archon.jsonl.gz`, with characters a header cannot carry plainly replaced (and the exact name in filename*). */
export function archiveDisposition(sourceId: string): string {
  const name = `${sourceId}.archon.jsonl.gz`;
  const ascii = name.replace(/[^A-Za-z0-9._-]/g, '_');
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(name)}`;
}
