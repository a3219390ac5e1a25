import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createUrlFilter, hasBinaryExtension, normalizeUrl, sourceIdFor, toRawGithubUrl } from '../../server/services/crawl/url';

describe('normalizeUrl', () => {
  it('lower-cases scheme and host, strips default ports and the fragment', () => {
    expect(normalizeUrl('HTTPS://Docs.Example.COM:443/Guide/Intro#setup')).toBe('https://docs.example.com/Guide/Intro');
    expect(normalizeUrl('http://example.com:80/a')).toBe('http://example.com/a');
    expect(normalizeUrl('http://example.com:8080/a')).toBe('http://example.com:8080/a');
    expect(normalizeUrl('https://example.com:80/a')).toBe('https://example.com:80/a');
  });

  it('resolves against a base and resolves dot segments', () => {
    expect(normalizeUrl('../api/./list', 'https://x.dev/docs/guide/page')).toBe('https://x.dev/docs/api/list');
    expect(normalizeUrl('/a/b/../../c', 'https://x.dev/q')).toBe('https://x.dev/c');
    expect(normalizeUrl('//cdn.x.dev/lib', 'https://x.dev/')).toBe('https://cdn.x.dev/lib');
    expect(normalizeUrl('#top', 'https://x.dev/page?b=1')).toBe('https://x.dev/page?b=1');
  });

  it('rejects everything that is not http or https', () => {
    for (const url of ['mailto:a@b.c', 'javascript:alert(1)', 'data:text/html,hi', 'ftp://x.dev/f', 'file:///etc/passwd', 'not a url']) {
      expect(normalizeUrl(url)).toBeNull();
    }
    expect(normalizeUrl('mailto:me@x.dev', 'https://x.dev/')).toBeNull();
  });

  it('removes tracking parameters and sorts the rest by key, then value', () => {
    expect(
      normalizeUrl('https://x.dev/p?utm_source=tw&z=1&utm_MEDIUM=x&gclid=1&a=2&fbclid=3&msclkid=4&mc_cid=5&mc_eid=6&_ga=7&_gl=8&ref=hn&ref_src=9'),
    ).toBe('https://x.dev/p?a=2&z=1');
    expect(normalizeUrl('https://x.dev/p?b=2&a=9&b=1&a=1')).toBe('https://x.dev/p?a=1&a=9&b=1&b=2');
    // Only exact names: `reference` and `page_ref` are content.
    expect(normalizeUrl('https://x.dev/p?reference=1&page_ref=2')).toBe('https://x.dev/p?page_ref=2&reference=1');
  });

  it('keeps equal pairs in order and keeps the original encoding of values', () => {
    expect(normalizeUrl('https://x.dev/s?q=a%20b&q=a%20b&flag')).toBe('https://x.dev/s?flag&q=a%20b&q=a%20b');
    expect(normalizeUrl('https://x.dev/s?path=a%2Fb')).toBe('https://x.dev/s?path=a%2Fb');
  });

  it('removes an empty query, empty pairs and a query left empty by tracking removal', () => {
    expect(normalizeUrl('https://x.dev/p?')).toBe('https://x.dev/p');
    expect(normalizeUrl('https://x.dev/p?&&a=1&')).toBe('https://x.dev/p?a=1');
    expect(normalizeUrl('https://x.dev/p?utm_campaign=launch')).toBe('https://x.dev/p');
  });

  it('keeps the trailing slash, so /docs and /docs/ stay distinct', () => {
    expect(normalizeUrl('https://x.dev/docs/')).toBe('https://x.dev/docs/');
    expect(normalizeUrl('https://x.dev/docs')).toBe('https://x.dev/docs');
    expect(normalizeUrl('https://x.dev')).toBe('https://x.dev/');
  });
});

describe('sourceIdFor', () => {
  const sha16 = (s: string) => createHash('sha256').update(s).digest('hex').slice(0, 16);

  it('is the first 16 hex chars of SHA-256 of the canonical start URL', () => {
    expect(sourceIdFor('https://X.dev/docs/#intro')).toBe(sha16('https://x.dev/docs'));
    expect(sourceIdFor('https://x.dev')).toBe(sha16('https://x.dev/'));
    expect(sourceIdFor('https://x.dev/docs')).toMatch(/^[0-9a-f]{16}$/);
  });

  it('treats trailing-slash and tracking variants as one source', () => {
    const id = sourceIdFor('https://x.dev/docs');
    expect(sourceIdFor('https://x.dev/docs/')).toBe(id);
    expect(sourceIdFor('HTTPS://x.dev:443/docs/?utm_source=a')).toBe(id);
  });

  it('gives different ids to different paths on one domain', () => {
    expect(sourceIdFor('https://x.dev/docs')).not.toBe(sourceIdFor('https://x.dev/blog'));
    expect(sourceIdFor('https://x.dev/')).not.toBe(sourceIdFor('https://x.dev/docs'));
    expect(sourceIdFor('https://x.dev/docs?v=1')).not.toBe(sourceIdFor('https://x.dev/docs?v=2'));
  });
});

describe('toRawGithubUrl', () => {
  it('maps a blob URL to raw.githubusercontent.com', () => {
    expect(toRawGithubUrl('https://github.com/acme/docs/blob/main/guide/README.md')).toBe(
      'https://raw.githubusercontent.com/acme/docs/main/guide/README.md',
    );
    expect(toRawGithubUrl('https://github.com/acme/docs/blob/v1.2.0/a.md?plain=1#L3')).toBe(
      'https://raw.githubusercontent.com/acme/docs/v1.2.0/a.md',
    );
  });

  it('returns null for everything else', () => {
    for (const url of [
      'https://github.com/acme/docs',
      'https://github.com/acme/docs/tree/main/guide',
      'https://github.com/acme/docs/blob/main',
      'https://gitlab.com/acme/docs/blob/main/a.md',
      'https://raw.githubusercontent.com/acme/docs/main/a.md',
      'nonsense',
    ]) {
      expect(toRawGithubUrl(url)).toBeNull();
    }
  });
});

describe('hasBinaryExtension', () => {
  it('recognises archives, executables, media, fonts, office documents and data files', () => {
    for (const ext of [
      'zip',
      'tar.gz',
      'exe',
      'dmg',
      'png',
      'JPG',
      'svg',
      'mp4',
      'mp3',
      'woff2',
      'ttf',
      'pdf',
      'docx',
      'xlsx',
      'wasm',
      'jar',
      'dll',
      'csv',
      'sql',
      'db',
    ]) {
      expect(hasBinaryExtension(`https://x.dev/files/thing.${ext}`), ext).toBe(true);
    }
    expect(hasBinaryExtension('https://x.dev/a/logo.png?size=2#x')).toBe(true);
  });

  it('lets text formats and extension-less paths through', () => {
    for (const path of ['/readme.md', '/notes.txt', '/index.html', '/feed.xml', '/data.json', '/docs/', '/docs/zip', '/.png/page', '/v1.2/guide']) {
      expect(hasBinaryExtension(`https://x.dev${path}`), path).toBe(false);
    }
  });
});

describe('createUrlFilter scopes', () => {
  it('prefix scope keeps the origin and the start URL directory', () => {
    const filter = createUrlFilter({ startUrl: 'https://x.dev/docs/intro', scope: 'prefix' });
    expect(filter('https://x.dev/docs/intro')).toEqual({ ok: true });
    expect(filter('https://x.dev/docs/api/list')).toEqual({ ok: true });
    expect(filter('https://x.dev/docs')).toEqual({ ok: false, reason: 'scope' });
    expect(filter('https://x.dev/documents/a')).toEqual({ ok: false, reason: 'scope' });
    expect(filter('https://x.dev/blog/a')).toEqual({ ok: false, reason: 'scope' });
    expect(filter('http://x.dev/docs/a')).toEqual({ ok: false, reason: 'scope' });
    expect(filter('https://x.dev:8443/docs/a')).toEqual({ ok: false, reason: 'scope' });
    expect(filter('https://api.x.dev/docs/a')).toEqual({ ok: false, reason: 'scope' });
    expect(filter('mailto:a@x.dev')).toEqual({ ok: false, reason: 'scope' });
  });

  it('prefix scope of a directory or the root', () => {
    const dir = createUrlFilter({ startUrl: 'https://x.dev/docs/', scope: 'prefix' });
    expect(dir('https://x.dev/docs/a/b')).toEqual({ ok: true });
    expect(dir('https://x.dev/other')).toEqual({ ok: false, reason: 'scope' });
    const root = createUrlFilter({ startUrl: 'https://x.dev/', scope: 'prefix' });
    expect(root('https://x.dev/anything/at/all')).toEqual({ ok: true });
    expect(root('https://y.dev/')).toEqual({ ok: false, reason: 'scope' });
  });

  it('host scope keeps hostname and scheme', () => {
    const filter = createUrlFilter({ startUrl: 'https://docs.x.dev/guide/a', scope: 'host' });
    expect(filter('https://docs.x.dev/blog')).toEqual({ ok: true });
    expect(filter('http://docs.x.dev/blog')).toEqual({ ok: false, reason: 'scope' });
    expect(filter('https://x.dev/blog')).toEqual({ ok: false, reason: 'scope' });
  });

  it('domain scope keeps the registrable domain and its subdomains', () => {
    const filter = createUrlFilter({ startUrl: 'https://docs.example.co.uk/', scope: 'domain' });
    expect(filter('https://api.example.co.uk/ref')).toEqual({ ok: true });
    expect(filter('https://example.co.uk/')).toEqual({ ok: true });
    expect(filter('http://a.b.example.co.uk/')).toEqual({ ok: true });
    expect(filter('https://other.co.uk/')).toEqual({ ok: false, reason: 'scope' });
    expect(filter('https://example.com/')).toEqual({ ok: false, reason: 'scope' });
  });

  it('domain scope does not spread across a shared hosting suffix', () => {
    const filter = createUrlFilter({ startUrl: 'https://alice.github.io/docs/', scope: 'domain' });
    expect(filter('https://alice.github.io/blog')).toEqual({ ok: true });
    expect(filter('https://mallory.github.io/')).toEqual({ ok: false, reason: 'scope' });
  });
});

describe('createUrlFilter patterns', () => {
  const start = 'https://x.dev/';

  it('includes by glob on the pathname, with or without the leading slash', () => {
    const filter = createUrlFilter({ startUrl: start, scope: 'host', include: ['/docs/**', 'api/*'] });
    expect(filter('https://x.dev/docs/a/b')).toEqual({ ok: true });
    expect(filter('https://x.dev/api/list')).toEqual({ ok: true });
    expect(filter('https://x.dev/api/list/deep')).toEqual({ ok: false, reason: 'not-included' });
    expect(filter('https://x.dev/blog/a')).toEqual({ ok: false, reason: 'not-included' });
  });

  it('a glob without a slash matches the last path segment', () => {
    const filter = createUrlFilter({ startUrl: start, scope: 'host', exclude: ['*.html'] });
    expect(filter('https://x.dev/a/b/page.html')).toEqual({ ok: false, reason: 'excluded' });
    expect(filter('https://x.dev/a/b/page.md')).toEqual({ ok: true });
  });

  it('a /regex/flags pattern is matched against the whole URL', () => {
    const filter = createUrlFilter({ startUrl: start, scope: 'host', exclude: ['/[?&]lang=(?!en)/i', '/\\/v[0-9]+\\//'] });
    expect(filter('https://x.dev/a?LANG=fr')).toEqual({ ok: false, reason: 'excluded' });
    expect(filter('https://x.dev/a?lang=en')).toEqual({ ok: true });
    expect(filter('https://x.dev/v2/guide')).toEqual({ ok: false, reason: 'excluded' });
    expect(filter('https://x.dev/latest/guide')).toEqual({ ok: true });
  });

  it('a global regex gives the same answer every time', () => {
    const filter = createUrlFilter({ startUrl: start, scope: 'host', include: ['/guide/g'] });
    expect([1, 2, 3].map(() => filter('https://x.dev/guide').ok)).toEqual([true, true, true]);
  });

  it('exclude wins over include, and empty include means everything in scope', () => {
    const filter = createUrlFilter({ startUrl: start, scope: 'host', include: ['/docs/**'], exclude: ['/docs/internal/**'] });
    expect(filter('https://x.dev/docs/public')).toEqual({ ok: true });
    expect(filter('https://x.dev/docs/internal/x')).toEqual({ ok: false, reason: 'excluded' });
    const open = createUrlFilter({ startUrl: start, scope: 'host', include: [] });
    expect(open('https://x.dev/anything')).toEqual({ ok: true });
  });

  it('scope is decided before patterns', () => {
    const filter = createUrlFilter({ startUrl: start, scope: 'host', include: ['/**'], exclude: ['/never'] });
    expect(filter('https://elsewhere.dev/never')).toEqual({ ok: false, reason: 'scope' });
  });

  it('throws an Error naming an invalid pattern', () => {
    expect(() => createUrlFilter({ startUrl: start, scope: 'host', include: ['/(unclosed/'] })).toThrow(/\/\(unclosed\//);
    expect(() => createUrlFilter({ startUrl: start, scope: 'host', exclude: ['/docs/[abc'] })).toThrow(/exclude pattern "\/docs\/\[abc"/);
    expect(() => createUrlFilter({ startUrl: start, scope: 'host', include: ['  '] })).toThrow(/include pattern/);
  });

  it('throws on a start URL that cannot be crawled', () => {
    expect(() => createUrlFilter({ startUrl: 'ftp://x.dev/', scope: 'host' })).toThrow(/ftp:\/\/x\.dev/);
  });
});
