/** The last path segment of an uploaded file's name: browsers and tools may send "C:\dir\a.pdf" or "dir/a.pdf". */
export function baseName(name: string): string {
  const base = name.split(/[\\/]/).filter(Boolean).pop() ?? '';
  return base.trim() || 'unnamed';
}

/** The name without its extension, for titles. */
export const stem = (name: string) => name.replace(/\.[A-Za-z0-9]{1,8}$/, '') || name;

/** Each uploaded file is a page of its source at `file://<name>`, as in Archon v1, so a re-upload replaces it. */
export const uploadPageUrl = (name: string) => `file://${encodeURIComponent(name)}`;
