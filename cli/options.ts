import { InvalidArgumentError } from 'commander';

/** A whole number option within bounds; anything else is a usage error naming the option. */
export const integer =
  (min: number, max: number) =>
  (value: string): number => {
    if (!/^\d+$/.test(value.trim())) throw new InvalidArgumentError(`must be a whole number from ${min} to ${max}`);
    const n = Number(value);
    if (n < min || n > max) throw new InvalidArgumentError(`must be from ${min} to ${max}`);
    return n;
  };

/** A repeatable option (`--tag a --tag b`), also taking comma-separated values. */
export const list = (value: string, previous: string[] = []): string[] => [
  ...previous,
  ...value
    .split(',')
    .map((v) => v.trim())
    .filter(Boolean),
];

/** A repeatable option whose values may contain commas (glob patterns). */
export const each = (value: string, previous: string[] = []): string[] => [...previous, value];

/** An http:// or https:// URL. */
export const httpUrl = (value: string): string => {
  try {
    const url = new URL(value);
    if (url.protocol === 'http:' || url.protocol === 'https:') return value;
  } catch {
    // said below
  }
  throw new InvalidArgumentError('must be an http:// or https:// URL');
};

/** A UUID (job and key ids). */
export const uuid = (value: string): string => {
  if (/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(value.trim())) return value.trim().toLowerCase();
  throw new InvalidArgumentError('must be an id such as 0c3c6b0e-8a4e-4a5e-9a39-3b0f8f6f1d2a');
};
