import { uploadFileNameSchema } from '../../schemas/uploads';

// A full path on the sender's machine ("/home/ann/a.pdf", "C:\dir\a.pdf", "\\server\share\a.pdf"): only its file is kept.
const ABSOLUTE = /^(?:\/|[A-Za-z]:\/)/;

/**
 * The path an uploaded file is named by, as segments: its path within an uploaded folder ("api/index.md", as the CLI
 * and browsers send it), or the last part of a full path. "." and empty parts are dropped and ".." goes up, never past
 * the folder, so a name is never more than a page's name.
 */
function segments(name: string): string[] {
  const parts = name.replace(/\\/g, '/').trim();
  const all = parts.split('/').map((s) => s.trim());
  if (ABSOLUTE.test(parts)) return [all.at(-1)!];
  const out: string[] = [];
  for (const [i, s] of all.entries()) {
    // The last part is judged as the file's name below, whatever it is.
    if (i === all.length - 1) out.push(s);
    else if (s === '..') out.pop();
    else if (s !== '' && s !== '.') out.push(s);
  }
  return out;
}

// A name fit for a database row and a job's log, for a file whose own name is refused.
const printable = (name: string) => name.replace(/[\u0000-\u001f\u007f]/g, '\ufffd').slice(0, 255);

/**
 * The name an uploaded file is stored under (its path within its folder, or its base name), or, for a name that
 * cannot be stored, why not: nothing left after the directories, only dots ("..", which would become the page
 * file://..), control characters or more than 255 characters. The file is then refused on its own.
 */
export function storedFileName(raw: string): { name: string; error: null } | { name: string; error: string } {
  const parts = segments(raw);
  const base = parts.at(-1)!;
  const refused = (why: string) => ({ name: printable(raw.trim()) || 'unnamed', error: `file name ${JSON.stringify(raw.slice(0, 100))}: ${why}` });
  if (!raw.trim()) return refused('must not be empty');
  if (!base) return refused('has no name after its last slash');
  if (/^\.+$/.test(base)) return refused(`"${base}" is not a file name`);
  const folder = parts.slice(0, -1).find((s) => /^\.+$/.test(s));
  if (folder) return refused(`"${folder}" is not a folder name`);
  const checked = uploadFileNameSchema.safeParse(parts.join('/'));
  if (!checked.success) return refused(checked.error.issues.map((i) => i.message).join('; '));
  return { name: checked.data, error: null };
}

/** The file's own name without its folders or extension, for titles. */
export const stem = (name: string) => {
  const file = name.split('/').pop()!;
  return file.replace(/\.[A-Za-z0-9]{1,8}$/, '') || file;
};

/** Each uploaded file is a page of its source at `file://<name>`, as in Archon v1, so a re-upload replaces it; a folder's path keeps its slashes. */
export const uploadPageUrl = (name: string) => `file://${name.split('/').map(encodeURIComponent).join('/')}`;
