import { z } from 'zod';

export const PROVIDER_KINDS = ['embedding', 'chat'] as const;
export type ProviderKind = (typeof PROVIDER_KINDS)[number];
export const MAX_PROVIDER_DIMENSIONS = 4000;

// Messages never echo the value: the value may be an API key.
const apiKeySchema = z
  .string({ message: 'must be text' })
  .trim()
  .min(1, 'must not be empty (send null to remove the key)')
  .max(1000, 'must be at most 1000 characters')
  .refine((s) => !/[\s\0]/.test(s), 'must not contain spaces, line breaks or NUL characters');

const baseUrlSchema = z
  .string({ message: 'must be text' })
  .trim()
  .max(2000, 'must be at most 2000 characters')
  // The URL parser would take `/v1 trailing` as `/v1%20trailing`: a space in the address is a typo, not a path.
  .refine((s) => !/\s/.test(s), 'must not contain spaces or line breaks')
  .refine((s) => {
    try {
      const u = new URL(s);
      return (u.protocol === 'http:' || u.protocol === 'https:') && u.hostname !== '';
    } catch {
      return false;
    }
  }, 'must be an http:// or https:// URL')
  // Credentials belong in apiKey, where they are encrypted; a URL is stored in clear.
  .refine((s) => !URL.canParse(s) || (new URL(s).username === '' && new URL(s).password === ''), {
    message: 'must not contain a user name or password; put the key in apiKey',
  });

const modelSchema = z
  .string({ message: 'must be text' })
  .trim()
  .min(1, 'must not be empty')
  .max(200, 'must be at most 200 characters')
  .refine((s) => !/[\r\n\0]/.test(s), 'must be a single line');

const dimensionsSchema = z
  .number({ message: 'must be a number' })
  .int('must be a whole number')
  .min(1, 'must be at least 1')
  .max(MAX_PROVIDER_DIMENSIONS, `must be at most ${MAX_PROVIDER_DIMENSIONS}`);

/** For each field: a value sets it, null clears it, leaving it out keeps what is stored. */
export const chatProviderInputSchema = z.strictObject({
  baseUrl: baseUrlSchema.nullable().optional(),
  model: modelSchema.nullable().optional(),
  apiKey: apiKeySchema.nullable().optional(),
});

export const embeddingProviderInputSchema = chatProviderInputSchema.extend({
  dimensions: dimensionsSchema.nullable().optional(),
});

export const updateProviderSettingsSchema = z.strictObject({
  embedding: embeddingProviderInputSchema.optional(),
  chat: chatProviderInputSchema.optional(),
});

/** What `settings.value` holds for a provider; the API key lives only in `settings.secret`. */
export const storedProviderValueSchema = z.object({
  baseUrl: z.string().nullable().catch(null).default(null),
  model: z.string().nullable().catch(null).default(null),
  dimensions: z.number().int().nullable().catch(null).default(null),
});

export type UpdateProviderSettingsInput = z.input<typeof updateProviderSettingsSchema>;
export type StoredProviderValue = z.infer<typeof storedProviderValueSchema>;

/**
 * A connection test of the settings as they would be once saved: each field as
 * in an update (a value sets it, null clears it so the environment's applies,
 * leaving it out keeps what is in effect). The key obeys the save's rule: a
 * stored key is sent only to the base URL it was saved with.
 */
export const testProviderSchema = z
  .strictObject({
    kind: z.enum(PROVIDER_KINDS, { message: 'must be embedding or chat' }),
    baseUrl: baseUrlSchema.nullable().optional(),
    model: modelSchema.nullable().optional(),
    dimensions: dimensionsSchema.nullable().optional(),
    apiKey: apiKeySchema.nullable().optional(),
  })
  .refine((v) => v.kind === 'embedding' || v.dimensions == null, { path: ['dimensions'], message: 'only an embedding model has a dimension' });

export type TestProviderInput = z.infer<typeof testProviderSchema>;
