import { uploadFileNameSchema } from '../../schemas/uploads';

/** The last path segment of an uploaded file's name: browsers and tools may send "C:\dir\a.pdf", "dir/a.pdf" or "../a.pdf". */
function baseName(name: string): string {
  return name.split(/[\\/]/).pop()!.trim();
}

// A name fit for a database row and a job's log, for a file whose own name is refused.
const printable = (name: string) => name.replace(/[\u0000-\u001f\u007f]/g, '\ufffd').slice(0, 255);

/**
 * The name an uploaded file is stored under (its base name), or, for a name
 * that cannot be stored, why not: nothing left after the directories, only
 * dots ("..", which would become the page file://..), control characters or
 * more than 255 characters. The file is then refused on its own.
 */
export function storedFileName(raw: string): { name: string; error: null } | { name: string; error: string } {
  const base = baseName(raw);
  const refused = (why: string) => ({ name: printable(raw.trim()) || 'unnamed', error: `file name ${JSON.stringify(raw.slice(0, 100))}: ${why}` });
  if (!raw.trim()) return refused('must not be empty');
  if (!base) return refused('has no name after its last slash');
  if (/^\.+$/.test(base)) return refused(`"${base}" is not a file name`);
  const checked = uploadFileNameSchema.safeParse(base);
  if (!checked.success) return refused(checked.error.issues.map((i) => i.message).join('; '));
  return { name: checked.data, error: null };
}

/** The name without its extension, for titles. */
export const stem = (name: string) => name.replace(/\.[A-Za-z0-9]{1,8}$/, '') || name;

/** Each uploaded file is a page of its source at `file://<name>`, as in Archon v1, so a re-upload replaces it. */
export const uploadPageUrl = (name: string) => `file://${encodeURIComponent(name)}`;
