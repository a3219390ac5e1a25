import fs from 'node:fs/promises';
import os from 'node:os';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { spoolBody } from '../../server/http/spool-body';
import { readUploadForm } from '../../server/http/upload-form';

/** Both ways a request body reaches the disk: a multipart upload spooled part by part, and an archive spooled whole. */
const limits = { maxFiles: 3, maxFileBytes: 1000 };

function uploadRequest(files: [string, string][], fields: Record<string, string> = {}): Request {
  const form = new FormData();
  for (const [name, content] of files) form.append('file', new Blob([content]), name);
  for (const [k, v] of Object.entries(fields)) form.append(k, v);
  const encoded = new Response(form);
  return new Request('http://x/api/uploads', { method: 'POST', body: encoded.body, headers: encoded.headers, duplex: 'half' } as RequestInit);
}

const spooledDirs = async () => (await fs.readdir(os.tmpdir())).filter((d) => d.startsWith('archon-form-') || d.startsWith('archon-upload-'));

// A disk that fills up on the first write of a file's content.
function fullDisk() {
  const open = fs.open;
  return vi.spyOn(fs, 'open').mockImplementation(async (...args: Parameters<typeof fs.open>) => {
    const handle = await open(...args);
    handle.write = (async () => {
      throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
    }) as typeof handle.write;
    return handle;
  });
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('readUploadForm', () => {
  it('spools each file and reads the fields, keeping the file names as sent', async () => {
    const form = await readUploadForm(
      uploadRequest(
        [
          ['dir/a.md', '# A'],
          ['b.md', '# B'],
        ],
        { title: 'T', tags: 'x, y' },
      ),
      limits,
    );
    try {
      expect(form.meta).toEqual({ title: 'T', tags: ['x', 'y'] });
      expect(form.files.map((f) => [f.name, f.size])).toEqual([
        ['dir/a.md', 3],
        ['b.md', 3],
      ]);
      expect((await form.files[1]!.read()).toString()).toBe('# B');
    } finally {
      await form.dispose();
    }
  });

  it('answers a full disk with 503 SERVICE_UNAVAILABLE and leaves nothing spooled', async () => {
    const before = await spooledDirs();
    fullDisk();
    await expect(readUploadForm(uploadRequest([['a.md', '# A\n\nText.']]), limits)).rejects.toMatchObject({
      code: 'SERVICE_UNAVAILABLE',
      message: 'The server has no disk space left to receive the upload',
    });
    expect(await spooledDirs()).toEqual(before);
  });
});

describe('spoolBody', () => {
  const raw = (body: string) => new Request('http://x/api/sources/import', { method: 'POST', body });

  it('writes the body to a file and refuses one over the limit', async () => {
    const spooled = await spoolBody(raw('archive bytes'), 100);
    try {
      expect(await fs.readFile(spooled.path, 'utf8')).toBe('archive bytes');
    } finally {
      await spooled.remove();
    }
    await expect(spoolBody(raw('x'.repeat(200)), 100)).rejects.toMatchObject({ code: 'PAYLOAD_TOO_LARGE' });
  });

  it('answers a full disk with 503 SERVICE_UNAVAILABLE and leaves nothing spooled', async () => {
    const before = await spooledDirs();
    fullDisk();
    await expect(spoolBody(raw('archive bytes'), 100)).rejects.toMatchObject({
      code: 'SERVICE_UNAVAILABLE',
      message: 'The server has no disk space left to receive the upload',
    });
    expect(await spooledDirs()).toEqual(before);
  });
});
