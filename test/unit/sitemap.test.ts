import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { isSitemapUrl, parseSitemap } from '../../server/services/crawl/sitemap';

const URLSET = `<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" xmlns:xhtml="http://www.w3.org/1999/xhtml">
  <url>
    <loc>
      https://x.dev/a
    </loc>
    <lastmod>2024-05-01</lastmod>
    <xhtml:link rel="alternate" hreflang="de" href="https://x.dev/de/a"/>
  </url>
  <url><loc><![CDATA[https://x.dev/b?x=1&y=2]]></loc></url>
  <url><loc>https://x.dev/c?x=1&amp;y=&#50;</loc></url>
  <url><lastmod>2024-01-01</lastmod></url>
</urlset>`;

describe('parseSitemap', () => {
  it('reads a urlset with whitespace, CDATA, entities and missing lastmod', () => {
    expect(parseSitemap(URLSET)).toEqual({
      kind: 'urlset',
      entries: [
        { loc: 'https://x.dev/a', lastmod: '2024-05-01' },
        { loc: 'https://x.dev/b?x=1&y=2', lastmod: null },
        { loc: 'https://x.dev/c?x=1&y=2', lastmod: null },
      ],
    });
  });

  it('reads a sitemap index with prefixed tags and a single entry', () => {
    const xml =
      '<sm:sitemapindex xmlns:sm="http://www.sitemaps.org/schemas/sitemap/0.9"><sm:sitemap><sm:loc>https://x.dev/s1.xml.gz</sm:loc><sm:lastmod>2024-02-02T10:00:00Z</sm:lastmod></sm:sitemap></sm:sitemapindex>';
    expect(parseSitemap(xml)).toEqual({ kind: 'index', entries: [{ loc: 'https://x.dev/s1.xml.gz', lastmod: '2024-02-02T10:00:00Z' }] });
  });

  it('accepts a single <url>, a BOM and an empty urlset', () => {
    expect(parseSitemap('\ufeff<urlset><url><loc>https://x.dev/</loc></url></urlset>').entries).toEqual([{ loc: 'https://x.dev/', lastmod: null }]);
    const bom = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('<urlset><url><loc>https://x.dev/é</loc></url></urlset>')]);
    expect(parseSitemap(bom).entries[0]!.loc).toBe('https://x.dev/é');
    expect(parseSitemap('<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"></urlset>')).toEqual({ kind: 'urlset', entries: [] });
  });

  it('gunzips gzip bodies, recognised by their magic bytes', () => {
    expect(parseSitemap(gzipSync(Buffer.from(URLSET))).entries).toHaveLength(3);
  });

  it('refuses gzip that inflates past 50 MB', () => {
    const bomb = gzipSync(Buffer.alloc(51 * 1024 * 1024, 0x20));
    expect(bomb.length).toBeLessThan(1024 * 1024);
    expect(() => parseSitemap(bomb)).toThrow(/larger than 50 MB/);
  });

  it('says why a body is not a sitemap', () => {
    expect(() => parseSitemap('User-agent: *\nDisallow:')).toThrow(/^Not XML/);
    expect(() => parseSitemap('{"urlset": []}')).toThrow(/^Not XML/);
    expect(() => parseSitemap('<html><body><p>Hello</p></body></html>')).toThrow(/Not a sitemap.*<html>/);
    expect(() => parseSitemap('<?xml version="1.0"?><rss version="2.0"><channel/></rss>')).toThrow(/Not a sitemap.*<rss>/);
    expect(() => parseSitemap(Buffer.from([0x1f, 0x8b, 0x08, 0x00, 0x01, 0x02]))).toThrow(/not valid gzip/);
  });
});

describe('isSitemapUrl', () => {
  it.each([
    ['https://x.dev/sitemap.xml', true],
    ['https://x.dev/sitemap_index.xml', true],
    ['https://x.dev/sitemaps/docs.xml.gz', true],
    ['https://x.dev/SITEMAP.XML?lang=en', true],
    ['https://x.dev/feed.xml', false],
    ['https://x.dev/sitemap.html', false],
    ['https://x.dev/page?file=sitemap.xml', false],
    ['not a url', false],
  ])('%s → %s', (url, expected) => {
    expect(isSitemapUrl(url)).toBe(expected);
  });
});
