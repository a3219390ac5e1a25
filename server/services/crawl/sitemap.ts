import { gunzipSync } from 'node:zlib';
import { XMLParser } from 'fast-xml-parser';

export type SitemapEntry = { loc: string; lastmod: string | null };
export type Sitemap = { kind: 'urlset' | 'index'; entries: SitemapEntry[] };

/** Protocol limit is 50 MB uncompressed; anything bigger is not a sitemap we want. */
export const MAX_SITEMAP_BYTES = 50 * 1024 * 1024;

const parser = new XMLParser({
  ignoreAttributes: true,
  // <ns:urlset> and <urlset xmlns="…"> alike.
  removeNSPrefix: true,
  parseTagValue: false,
  trimValues: true,
  ignoreDeclaration: true,
  ignorePiTags: true,
  // A single <url> must still come back as a list.
  isArray: (name) => name === 'url' || name === 'sitemap',
});

function isGzip(body: Buffer): boolean {
  return body.length >= 2 && body[0] === 0x1f && body[1] === 0x8b;
}

function toText(body: Buffer | string): string {
  if (typeof body === 'string') return body.replace(/^\ufeff/, '');
  let bytes = body;
  if (isGzip(body)) {
    try {
      bytes = gunzipSync(body, { maxOutputLength: MAX_SITEMAP_BYTES });
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ERR_BUFFER_TOO_LARGE' || err instanceof RangeError) {
        throw new Error(`Sitemap is larger than ${MAX_SITEMAP_BYTES / 1024 / 1024} MB uncompressed`);
      }
      throw new Error(`Sitemap is not valid gzip: ${(err as Error).message}`);
    }
  }
  // Sitemaps are UTF-8 by specification; TextDecoder drops the BOM.
  return new TextDecoder('utf-8').decode(bytes);
}

function decodeCharRefs(s: string): string {
  return s.replace(/&#(x[0-9a-f]+|\d+);/gi, (ref, code: string) => {
    const n = code[0] === 'x' || code[0] === 'X' ? Number.parseInt(code.slice(1), 16) : Number.parseInt(code, 10);
    return n > 0 && n <= 0x10ffff ? String.fromCodePoint(n) : ref;
  });
}

/** Text of a parsed element: a string, a list (repeated tag: first wins) or a {#text} object. */
function text(value: unknown): string | null {
  if (Array.isArray(value)) return text(value[0]);
  if (typeof value === 'string') return decodeCharRefs(value).trim() || null;
  if (typeof value === 'number') return String(value);
  if (value && typeof value === 'object' && '#text' in value) return text((value as { '#text': unknown })['#text']);
  return null;
}

function entries(items: unknown): SitemapEntry[] {
  const list = Array.isArray(items) ? items : items === undefined ? [] : [items];
  const out: SitemapEntry[] = [];
  for (const item of list) {
    if (!item || typeof item !== 'object') continue;
    const fields = item as Record<string, unknown>;
    const loc = text(fields.loc);
    if (loc) out.push({ loc, lastmod: text(fields.lastmod) });
  }
  return out;
}

/**
 * Parses a sitemap (<urlset>) or sitemap index (<sitemapindex>), plain or
 * gzipped. Throws with a message saying why when the body is not XML or not a
 * sitemap.
 */
export function parseSitemap(body: Buffer | string): Sitemap {
  const xml = toText(body);
  const start = xml.trimStart();
  if (!start.startsWith('<')) {
    throw new Error(`Not XML: the body starts with ${JSON.stringify(start.slice(0, 20))}`);
  }
  let doc: Record<string, unknown>;
  try {
    doc = parser.parse(xml) as Record<string, unknown>;
  } catch (err) {
    throw new Error(`Not XML: ${(err as Error).message}`);
  }
  if ('urlset' in doc) {
    const urlset = doc.urlset;
    return { kind: 'urlset', entries: entries(urlset && typeof urlset === 'object' ? (urlset as Record<string, unknown>).url : undefined) };
  }
  if ('sitemapindex' in doc) {
    const index = doc.sitemapindex;
    return { kind: 'index', entries: entries(index && typeof index === 'object' ? (index as Record<string, unknown>).sitemap : undefined) };
  }
  const root = Object.keys(doc).find((k) => !k.startsWith('?') && !k.startsWith('#'));
  throw new Error(`Not a sitemap: expected <urlset> or <sitemapindex>, found ${root ? `<${root}>` : 'no root element'}`);
}

/** True for URLs that name a sitemap: the path ends in .xml or .xml.gz and mentions "sitemap". */
export function isSitemapUrl(url: string): boolean {
  let path: string;
  try {
    path = new URL(url).pathname.toLowerCase();
  } catch {
    return false;
  }
  return (path.endsWith('.xml') || path.endsWith('.xml.gz')) && path.includes('sitemap');
}
