import { describe, expect, it } from 'vitest';
import { storedFileName } from '../../server/services/uploads/file-name';

describe('storedFileName', () => {
  it.each([
    ['guide.md', 'guide.md'],
    ['  spaced.md ', 'spaced.md'],
    // A full path on the sender's machine says nothing about the document: only its last part is kept.
    ['C:\\Users\\ann\\report.pdf', 'report.pdf'],
    ['/home/ann/docs/report.pdf', 'report.pdf'],
    ['\\\\server\\share\\report.pdf', 'report.pdf'],
    // A path within an uploaded folder is the page's name: api/index.md and guide/index.md are two pages.
    ['docs/intro.md', 'docs/intro.md'],
    ['api\\v2\\index.md', 'api/v2/index.md'],
    ['./api//index.md', 'api/index.md'],
    [' api / index.md ', 'api/index.md'],
    ['a/../b.md', 'b.md'],
    ['../../etc/notes.txt', 'etc/notes.txt'],
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
    ['a/.../b.md', '"..." is not a folder name'],
    [`${'d/'.repeat(130)}x.md`, '255'],
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
