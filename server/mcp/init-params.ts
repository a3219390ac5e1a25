import { z } from 'zod';

/**
 * What a session keeps of the client's `initialize`: the protocol version,
 * capabilities and client info the server needs to rebuild the session in
 * another process, each bounded. The session stores these in its row and in
 * the server's memory for as long as it lives, so a client cannot park
 * megabytes there; anything else in the params (`_meta`, icons, fields of
 * later protocol versions) is dropped.
 */
export const MAX_CAPABILITIES_JSON_CHARS = 4096;

const bounded = (max: number) => z.string().max(max, `must be at most ${max} characters`);

const initParamsSchema = z.object({
  protocolVersion: bounded(64),
  capabilities: z
    .record(z.string(), z.unknown())
    .refine((v) => JSON.stringify(v).length <= MAX_CAPABILITIES_JSON_CHARS, `must be at most ${MAX_CAPABILITIES_JSON_CHARS} characters as JSON`),
  clientInfo: z.object({ name: bounded(200), version: bounded(100), title: bounded(200).optional() }),
});

export type InitParams = z.infer<typeof initParamsSchema>;

/** The params to keep, or the reason they are refused ("clientInfo.name: must be at most 200 characters"). */
export function boundInitParams(params: unknown): { params: InitParams } | { error: string } {
  const parsed = initParamsSchema.safeParse(params);
  if (parsed.success) return { params: parsed.data };
  const issues = parsed.error.issues.map((i) => `${i.path.join('.') || 'params'}: ${i.message.replace(/^Invalid input: /, '')}`);
  return { error: `Invalid params: ${issues.join('; ')}` };
}
