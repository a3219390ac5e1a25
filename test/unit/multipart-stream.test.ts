import { describe, expect, it } from 'vitest';
import { multipartField } from '../../server/http/multipart-field';
import { type MultipartEvent, multipartBoundary, multipartEvents } from '../../server/http/multipart-stream';

/** Serialises a form the way fetch does, so the parser is tested against a real encoder. */
async function encode(form: FormData): Promise<{ body: Buffer; boundary: string }> {
  const res = new Response(form);
  const boundary = multipartBoundary(res.headers.get('content-type'))!;
  return { body: Buffer.from(await res.arrayBuffer()), boundary };
}

async function* inPieces(body: Buffer, size: (i: number) => number): AsyncGenerator<Uint8Array> {
  for (let at = 0, i = 0; at < body.length; i++) {
    const n = Math.max(1, size(i));
    yield body.subarray(at, at + n);
    at += n;
  }
}

type Part = { name: string | null; filename: string | null; content: string };
async function parts(bytes: AsyncIterable<Uint8Array>, boundary: string): Promise<Part[]> {
  const out: Part[] = [];
  const chunks: Buffer[] = [];
  for await (const e of multipartEvents(bytes, boundary) as AsyncGenerator<MultipartEvent>) {
    if (e.type === 'part') out.push({ name: e.name, filename: e.filename, content: '' });
    else if (e.type === 'data') chunks.push(e.chunk);
    else out[out.length - 1]!.content = Buffer.concat(chunks.splice(0)).toString('utf8');
  }
  return out;
}

const sample = () => {
  const form = new FormData();
  form.append('title', 'Ünïcode title');
  form.append('file', new Blob(['# A\r\n\r\n--not a boundary\r\ntext']), 'a.md');
  form.append('file', new Blob(['']), 'empty.txt');
  form.append('tags', 'x, y');
  form.append('file', new Blob(['second']), 'quote"and\nnewline ü.md');
  return form;
};
const expected: Part[] = [
  { name: 'title', filename: null, content: 'Ünïcode title' },
  { name: 'file', filename: 'a.md', content: '# A\r\n\r\n--not a boundary\r\ntext' },
  { name: 'file', filename: 'empty.txt', content: '' },
  { name: 'tags', filename: null, content: 'x, y' },
  { name: 'file', filename: 'quote"and\nnewline ü.md', content: 'second' },
];

describe('multipartEvents', () => {
  it('parses every part, names and file names included, however the body is cut into chunks', async () => {
    const { body, boundary } = await encode(sample());
    expect(
      await parts(
        inPieces(body, () => body.length),
        boundary,
      ),
    ).toEqual(expected);
    expect(
      await parts(
        inPieces(body, () => 1),
        boundary,
      ),
    ).toEqual(expected);
    for (const n of [2, 3, 7, boundary.length, boundary.length + 1, boundary.length + 4]) {
      expect(
        await parts(
          inPieces(body, () => n),
          boundary,
        ),
        `chunks of ${n}`,
      ).toEqual(expected);
    }
  });

  it('reads RFC 5987 file names, keeps paths and control characters in names for the caller to judge, and skips a part without headers', async () => {
    const b = 'XyZ';
    const disposition = (params: string) => `--${b}\r\nContent-Disposition: form-data; name="file"; ${params}\r\n\r\nbody\r\n`;
    const body = Buffer.from(
      disposition(`filename*=UTF-8''%E2%82%AC%20rates.md`) +
        disposition('filename="../a\u0000b.md"') +
        disposition('filename="C:\\dir\\c.md"') +
        `--${b}\r\n\r\nanonymous\r\n--${b}--\r\n`,
    );
    expect(
      await parts(
        inPieces(body, () => 5),
        b,
      ),
    ).toEqual([
      { name: 'file', filename: '€ rates.md', content: 'body' },
      { name: 'file', filename: '../a\u0000b.md', content: 'body' },
      { name: 'file', filename: 'C:\\dir\\c.md', content: 'body' },
    ]);
  });

  it('parses random binary parts exactly, whatever the chunking (property)', async () => {
    // A seeded generator, so that a failure can be replayed.
    let seed = 0x2545f491;
    const random = (n: number) => {
      seed ^= seed << 13;
      seed ^= seed >>> 17;
      seed ^= seed << 5;
      return (seed >>> 0) % n;
    };
    for (let round = 0; round < 40; round++) {
      const form = new FormData();
      const contents: Buffer[] = [];
      for (let i = 0, n = 1 + random(4); i < n; i++) {
        // Bytes that look like the start of a delimiter are the interesting ones.
        const pieces = Array.from({ length: random(12) }, () =>
          random(3) === 0
            ? Buffer.from(`\r\n--${'-'.repeat(random(30))}formdata`)
            : Buffer.from(Array.from({ length: random(300) }, () => random(256))),
        );
        contents.push(Buffer.concat(pieces));
        form.append('file', new Blob([new Uint8Array(contents[i]!)]), `f${i}.bin`);
      }
      const { body, boundary } = await encode(form);
      const got: Buffer[] = [];
      const chunks: Buffer[] = [];
      for await (const e of multipartEvents(
        inPieces(body, () => 1 + random(boundary.length * 2)),
        boundary,
      )) {
        if (e.type === 'data') chunks.push(e.chunk);
        else if (e.type === 'end') got.push(Buffer.concat(chunks.splice(0)));
      }
      expect(
        got.map((g) => g.toString('hex')),
        `round ${round}`,
      ).toEqual(contents.map((c) => c.toString('hex')));
    }
  });

  it('refuses a body cut short, in a part or between parts, and headers without end', async () => {
    const { body, boundary } = await encode(sample());
    const cut = body.subarray(0, body.length - 20);
    await expect(
      parts(
        inPieces(cut, () => 100),
        boundary,
      ),
    ).rejects.toMatchObject({ code: 'BAD_REQUEST', message: expect.stringMatching(/ends inside a part.*incomplete/) });
    const between = body.subarray(0, body.lastIndexOf(`--${boundary}--`) - 2);
    await expect(
      parts(
        inPieces(between, () => 100),
        boundary,
      ),
    ).rejects.toMatchObject({ code: 'BAD_REQUEST', message: expect.stringMatching(/incomplete/) });
    // Headers that never end are not kept past 16 KiB; the body then ends without its closing boundary.
    const endless = Buffer.concat([Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="x"\r\n`), Buffer.alloc(200_000, 'h')]);
    await expect(
      parts(
        inPieces(endless, () => 1000),
        boundary,
      ),
    ).rejects.toMatchObject({ message: expect.stringMatching(/closing boundary \(the upload is incomplete\)/) });
    await expect(
      parts(
        inPieces(Buffer.from('no boundary at all'), () => 4),
        boundary,
      ),
    ).rejects.toMatchObject({ message: expect.stringMatching(/closing boundary/) });
    await expect(
      parts(
        inPieces(Buffer.alloc(0), () => 4),
        boundary,
      ),
    ).rejects.toMatchObject({ message: expect.stringMatching(/closing boundary/) });
  });

  it('passes a failure of the body itself through, also in the middle of a part', async () => {
    const { body, boundary } = await encode(sample());
    async function* failing() {
      yield body.subarray(0, body.indexOf('--not a boundary'));
      throw new Error('connection reset');
    }
    await expect(parts(failing(), boundary)).rejects.toThrow('connection reset');
  });

  it('reads the boundary from the content type and refuses a missing or overlong one', () => {
    expect(multipartBoundary('multipart/form-data; boundary="a b"')).toBe('a b');
    expect(multipartBoundary('application/json')).toBeNull();
    expect(() => multipartBoundary('multipart/form-data')).toThrow(/boundary/);
    expect(() => multipartBoundary(`multipart/form-data; boundary=${'b'.repeat(71)}`)).toThrow(/boundary/);
    expect(() => multipartBoundary('multipart/form-data; boundary=a"b')).toThrow(/boundary/);
  });
});

describe('multipartField', () => {
  it('streams one field and stops at its end', async () => {
    const { body, boundary } = await encode(sample());
    const got: Buffer[] = [];
    for await (const c of multipartField(
      inPieces(body, () => 3),
      boundary,
      'file',
    ))
      got.push(c);
    expect(Buffer.concat(got).toString()).toBe('# A\r\n\r\n--not a boundary\r\ntext');
  });

  it('names a missing field, and a field cut short', async () => {
    const { body, boundary } = await encode(sample());
    const drain = async (bytes: AsyncIterable<Uint8Array>, name: string) => {
      for await (const _ of multipartField(bytes, boundary, name));
    };
    await expect(
      drain(
        inPieces(body, () => 64),
        'archive',
      ),
    ).rejects.toMatchObject({ message: 'The multipart body has no "archive" field' });
    const at = body.indexOf('--not a boundary');
    await expect(
      drain(
        inPieces(body.subarray(0, at), () => 64),
        'file',
      ),
    ).rejects.toMatchObject({ message: expect.stringMatching(/ends inside the "file" field/) });
  });
});
