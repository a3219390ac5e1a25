import { createHash } from 'node:crypto';
import picomatch from 'picomatch';
import { getDomain } from 'tldts';

const TRACKING_PARAMS = new Set(['gclid', 'fbclid', 'msclkid', 'mc_cid', 'mc_eid', '_ga', '_gl', 'ref', 'ref_src']);

const isTrackingParam = (key: string) => key.startsWith('utm_') || TRACKING_PARAMS.has(key);

function decodeQueryPart(part: string): string {
  try {
    return decodeURIComponent(part.replace(/\+/g, ' '));
  } catch {
    return part;
  }
}

/**
 * Canonical form of a page URL, so one page is fetched and stored once. Query
 * pairs keep their original encoding; only their order changes. The trailing
 * slash is kept: `/docs` and `/docs/` may be different pages.
 */
export function normalizeUrl(input: string, base?: string): string | null {
  let url: URL;
  try {
    url = new URL(input.trim(), base);
  } catch {
    return null;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return null;
  // WHATWG URL parsing already lower-cases scheme and host, drops default ports and resolves dot segments.
  url.hash = '';
  const pairs = url.search
    .slice(1)
    .split('&')
    .filter((pair) => pair !== '')
    .map((raw) => {
      const eq = raw.indexOf('=');
      const key = decodeQueryPart(eq < 0 ? raw : raw.slice(0, eq));
      const value = eq < 0 ? '' : decodeQueryPart(raw.slice(eq + 1));
      return { raw, key, value };
    })
    .filter(({ key }) => !isTrackingParam(key.toLowerCase()));
  pairs.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : a.value < b.value ? -1 : a.value > b.value ? 1 : 0));
  url.search = pairs.map((p) => p.raw).join('&');
  return url.href;
}

/**
 * Stable id of a crawl source: its start URL without the trailing slash, so
 * `https://x.dev/docs` and `https://x.dev/docs/` are one source.
 */
export function sourceIdFor(url: string): string {
  const normalized = normalizeUrl(url);
  let canonical = url.trim();
  if (normalized) {
    const u = new URL(normalized);
    if (u.pathname !== '/') u.pathname = u.pathname.replace(/\/+$/, '') || '/';
    canonical = u.href;
  }
  return createHash('sha256').update(canonical).digest('hex').slice(0, 16);
}

/** Raw file URL for a GitHub `blob` page, whose HTML is a heavy app shell around the file. */
export function toRawGithubUrl(url: string): string | null {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return null;
  }
  if (u.protocol !== 'https:' && u.protocol !== 'http:') return null;
  if (u.hostname !== 'github.com' && u.hostname !== 'www.github.com') return null;
  const m = /^\/([^/]+)\/([^/]+)\/blob\/([^/]+\/.+)$/.exec(u.pathname);
  if (!m) return null;
  return `https://raw.githubusercontent.com/${m[1]}/${m[2]}/${m[3]}`;
}

const BINARY_EXTENSIONS = new Set([
  // archives
  'zip',
  'tar',
  'gz',
  'tgz',
  'bz2',
  'xz',
  'zst',
  '7z',
  'rar',
  'iso',
  'img',
  'dmg',
  // executables, packages, libraries
  'exe',
  'msi',
  'pkg',
  'deb',
  'rpm',
  'apk',
  'app',
  'appimage',
  'bin',
  'dll',
  'so',
  'dylib',
  'jar',
  'war',
  'class',
  'pyc',
  'wasm',
  // images
  'jpg',
  'jpeg',
  'png',
  'gif',
  'webp',
  'avif',
  'bmp',
  'ico',
  'tif',
  'tiff',
  'svg',
  'heic',
  'psd',
  // audio and video
  'mp3',
  'wav',
  'flac',
  'ogg',
  'm4a',
  'aac',
  'mp4',
  'm4v',
  'mov',
  'avi',
  'wmv',
  'flv',
  'mkv',
  'webm',
  // fonts
  'woff',
  'woff2',
  'ttf',
  'otf',
  'eot',
  // documents
  'pdf',
  'doc',
  'docx',
  'xls',
  'xlsx',
  'ppt',
  'pptx',
  'odt',
  'ods',
  'odp',
  'rtf',
  // data
  'csv',
  'sql',
  'db',
  'sqlite',
  'dat',
  'parquet',
]);

/** True when the URL's path names a file we never turn into text, so it is not worth fetching. */
export function hasBinaryExtension(url: string): boolean {
  let pathname: string;
  try {
    pathname = new URL(url).pathname;
  } catch {
    pathname = url.split(/[?#]/)[0] ?? '';
  }
  const last = pathname.slice(pathname.lastIndexOf('/') + 1);
  const dot = last.lastIndexOf('.');
  return dot > 0 && BINARY_EXTENSIONS.has(last.slice(dot + 1).toLowerCase());
}

export type CrawlScope = 'prefix' | 'host' | 'domain';
export type UrlFilterOptions = { startUrl: string; scope: CrawlScope; include?: string[]; exclude?: string[] };
export type UrlVerdict = { ok: true } | { ok: false; reason: 'scope' | 'excluded' | 'not-included' };
type Matcher = (url: URL) => boolean;

/**
 * `/…/flags` (a JavaScript regex literal: inner slashes escaped) tests the
 * whole URL; anything else is a glob on the pathname. Globs ignore the leading
 * slash, so `docs/**` and `/docs/**` mean the same, and a glob without a slash
 * (`*.html`) matches the last path segment.
 */
function compilePattern(pattern: string, list: 'include' | 'exclude'): Matcher {
  if (pattern.trim() === '') throw new Error(`Invalid ${list} pattern "${pattern}": it is empty`);
  try {
    const literal = /^\/((?:[^/\\]|\\.)+)\/([a-z]*)$/.exec(pattern);
    if (literal) {
      // `g` and `y` would make test() stateful across URLs.
      const re = new RegExp(literal[1]!, literal[2]!.replace(/[gy]/g, ''));
      return (url) => re.test(url.href);
    }
    const glob = pattern.replace(/^\/+/, '');
    if (glob === '') return (url) => url.pathname === '/';
    const isMatch = picomatch(glob, { dot: true, basename: !glob.includes('/'), strictBrackets: true });
    return (url) => {
      const path = url.pathname.replace(/^\/+/, '');
      if (isMatch(path)) return true;
      try {
        const decoded = decodeURIComponent(path);
        return decoded !== path && isMatch(decoded);
      } catch {
        return false;
      }
    };
  } catch (err) {
    throw new Error(`Invalid ${list} pattern "${pattern}": ${(err as Error).message}`);
  }
}

function scopeMatcher(start: URL, scope: CrawlScope): Matcher {
  switch (scope) {
    case 'prefix': {
      const dir = start.pathname.slice(0, start.pathname.lastIndexOf('/') + 1);
      return (url) => url.origin === start.origin && url.pathname.startsWith(dir);
    }
    case 'host':
      return (url) => url.protocol === start.protocol && url.hostname === start.hostname;
    case 'domain': {
      // Private suffixes count (github.io, vercel.app): one user's site is not everyone's.
      const domainOf = (host: string) => getDomain(host, { allowPrivateDomains: true }) ?? host;
      const domain = domainOf(start.hostname);
      return (url) => domainOf(url.hostname) === domain;
    }
  }
}

/**
 * Decides which discovered URLs a crawl follows. Throws an Error naming the
 * pattern when an include/exclude pattern does not compile.
 */
export function createUrlFilter(options: UrlFilterOptions): (url: string) => UrlVerdict {
  const startHref = normalizeUrl(options.startUrl);
  if (!startHref) throw new Error(`Invalid start URL "${options.startUrl}": only http and https URLs can be crawled`);
  const inScope = scopeMatcher(new URL(startHref), options.scope);
  const include = (options.include ?? []).map((p) => compilePattern(p, 'include'));
  const exclude = (options.exclude ?? []).map((p) => compilePattern(p, 'exclude'));
  return (raw) => {
    const href = normalizeUrl(raw);
    if (!href) return { ok: false, reason: 'scope' };
    const url = new URL(href);
    if (!inScope(url)) return { ok: false, reason: 'scope' };
    if (exclude.some((m) => m(url))) return { ok: false, reason: 'excluded' };
    if (include.length > 0 && !include.some((m) => m(url))) return { ok: false, reason: 'not-included' };
    return { ok: true };
  };
}
