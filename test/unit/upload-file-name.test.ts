import { describe, expect, it } from 'vitest';
import { storedFileName } from '../../server/services/uploads/file-name';

describe('storedFileName', () => {
  it.each([
    ['guide.md', 'guide.md'],
    ['  spaced.md ', 'spaced.md'],
    ['C:\\Users\\ann\\report.pdf', 'report.pdf'],
    ['docs/intro.md', 'intro.md'],
    ['../../etc/notes.txt', 'notes.txt'],
    ['.env.md', '.env.md'],
    ['a..b.md', 'a..b.md'],
  ])('stores %j as %j', (raw, name) => {
    expect(storedFileName(raw)).toEqual({ name, error: null });
  });

  it.each([
    ['', 'must not be empty'],
    ['   ', 'must not be empty'],
    ['..', '".." is not a file name'],
    ['.', '"." is not a file name'],
    ['...', '"..." is not a file name'],
    ['a/..', '".." is not a file name'],
    ['C:\\dir\\..', '".." is not a file name'],
    ['dir/', 'has no name after its last slash'],
    ['a\u0000b.md', 'control characters'],
    ['tab\there.md', 'control characters'],
    [`${'n'.repeat(300)}.md`, '255'],
  ])('refuses %j on its own, saying why', (raw, why) => {
    const stored = storedFileName(raw);
    expect(stored.error).toContain(`file name ${JSON.stringify(raw.slice(0, 100))}: `);
    expect(stored.error).toContain(why);
    // The refused file keeps a name a database row and a log can hold.
    expect(stored.name).not.toMatch(/[\u0000-\u001f]/);
    expect(stored.name.length).toBeGreaterThan(0);
    expect(stored.name.length).toBeLessThanOrEqual(255);
  });
});
