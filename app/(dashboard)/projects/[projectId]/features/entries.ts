/**
 * A project's features and data lists are free-form JSON (Archon v1 kept
 * objects such as { name, status, components }). These helpers read the usual
 * keys for the list view and leave everything else as it is.
 */

export type FieldName = 'features' | 'data';
export type JsonObject = Record<string, unknown>;

const NAME_KEYS = ['name', 'title', 'label', 'entity', 'table', 'id', 'key'];
const DESCRIPTION_KEYS = ['description', 'summary', 'notes'];

export const isObject = (v: unknown): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);

const keyOf = (e: JsonObject, keys: string[]) => keys.find((k) => typeof e[k] === 'string' || typeof e[k] === 'number');

/** The key holding an entry's name ('name' for a new one). */
export const nameKeyOf = (e: unknown) => (isObject(e) ? (keyOf(e, NAME_KEYS) ?? 'name') : 'name');
export const descriptionKeyOf = (e: unknown) => (isObject(e) ? (keyOf(e, DESCRIPTION_KEYS) ?? 'description') : 'description');

export function entryName(e: unknown): string {
  if (isObject(e)) {
    const key = keyOf(e, NAME_KEYS);
    return key ? String(e[key]) : 'Untitled entry';
  }
  if (Array.isArray(e)) return `A list of ${e.length}`;
  return typeof e === 'string' ? e : JSON.stringify(e);
}

export const entryStatus = (e: unknown): string | null => (isObject(e) && typeof e.status === 'string' && e.status ? e.status : null);

export function entryDescription(e: unknown): string | null {
  if (!isObject(e)) return null;
  const key = keyOf(e, DESCRIPTION_KEYS);
  return key ? String(e[key]) : null;
}

/** The fields the list view does not show in their own column. */
export function otherFields(e: unknown): [string, unknown][] {
  if (!isObject(e)) return [];
  const shown = new Set([keyOf(e, NAME_KEYS), keyOf(e, DESCRIPTION_KEYS), typeof e.status === 'string' ? 'status' : undefined]);
  return Object.entries(e).filter(([k]) => !shown.has(k));
}

/** A short text for a value in a chip: strings as they are, the rest as compact JSON. */
export function briefValue(v: unknown, max = 40): string {
  const text = typeof v === 'string' ? v : JSON.stringify(v);
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** How a JSON parse failed, in words with the line and column when the engine says where. */
export function parseJson(text: string): { ok: true; value: unknown } | { ok: false; message: string } {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    const at = /position (\d+)/.exec(message);
    if (at) {
      const before = text.slice(0, Number(at[1]));
      const line = before.split('\n').length;
      const column = before.length - before.lastIndexOf('\n');
      return {
        ok: false,
        message: `${message.replace(/\s*\(line \d+ column \d+\)$/, '').replace(/ in JSON at position \d+/, '')} at line ${line}, column ${column}`,
      };
    }
    return { ok: false, message };
  }
}

export const LIST_WORDS: Record<FieldName, { title: string; one: string; many: string }> = {
  features: { title: 'Features', one: 'feature', many: 'features' },
  data: { title: 'Data', one: 'data entry', many: 'data entries' },
};

export const formatJson = (v: unknown) => JSON.stringify(v, null, 2);
