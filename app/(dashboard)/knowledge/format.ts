/** Numbers, sizes, times and labels as the knowledge pages show them. */

const integer = new Intl.NumberFormat('en');
const compact = new Intl.NumberFormat('en', { notation: 'compact', maximumFractionDigits: 1 });
const oneDecimal = new Intl.NumberFormat('en', { maximumFractionDigits: 1 });

export const formatCount = (n: number) => integer.format(n);
/** 1.2K, 34K: for tight cells; the exact figure goes in a title. */
export const formatCompact = (n: number) => (n < 10_000 ? integer.format(n) : compact.format(n));
export const formatRate = (n: number) => oneDecimal.format(n);

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KB', 'MB', 'GB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${oneDecimal.format(value)} ${units[unit]}`;
}

/** "4 s", "2 min 5 s", "1 h 3 min". */
export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return s % 60 ? `${m} min ${s % 60} s` : `${m} min`;
  const h = Math.floor(m / 60);
  return m % 60 ? `${h} h ${m % 60} min` : `${h} h`;
}

const relative = new Intl.RelativeTimeFormat('en', { numeric: 'auto' });
const STEPS: [Intl.RelativeTimeFormatUnit, number][] = [
  ['second', 60],
  ['minute', 60],
  ['hour', 24],
  ['day', 30],
  ['month', 12],
  ['year', Number.POSITIVE_INFINITY],
];

/** "just now", "5 minutes ago", "yesterday", "in 3 hours". */
export function formatRelative(date: Date | string | null | undefined, now = Date.now()): string {
  if (!date) return '';
  const then = typeof date === 'string' ? Date.parse(date) : date.getTime();
  let value = (then - now) / 1000;
  if (Math.abs(value) < 45) return 'just now';
  for (const [unit, size] of STEPS) {
    if (Math.abs(value) < size) return relative.format(Math.round(value), unit);
    value /= size;
  }
  return '';
}

const dateTime = new Intl.DateTimeFormat('en', { dateStyle: 'medium', timeStyle: 'short' });
export const formatDateTime = (date: Date | string | null | undefined) =>
  date ? dateTime.format(typeof date === 'string' ? new Date(date) : date) : '';

export const REFRESH_LABELS: Record<string, string> = {
  off: 'Off',
  hourly: 'Hourly',
  daily: 'Daily',
  weekly: 'Weekly',
  monthly: 'Monthly',
};

export const TYPE_LABELS: Record<string, string> = { technical: 'Technical', business: 'Business' };
export const KIND_LABELS: Record<string, string> = { url: 'Crawl', upload: 'Upload' };
export const JOB_KIND_LABELS: Record<string, string> = { crawl: 'Crawl', upload: 'Upload', refresh: 'Refresh', reembed: 'Re-embedding' };

/** The host and path of a URL without the scheme, for a compact second line. */
export function shortUrl(url: string | null | undefined): string {
  if (!url) return '';
  try {
    const u = new URL(url);
    return `${u.host}${u.pathname === '/' ? '' : u.pathname}`;
  } catch {
    return url;
  }
}
