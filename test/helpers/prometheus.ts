/**
 * A strict reader of the Prometheus text exposition format (version 0.0.4),
 * for tests: it throws on anything a Prometheus server would refuse or
 * misread (bad names, bad escapes, samples outside their family, a family
 * split in two, duplicate series, histogram buckets that are not cumulative).
 * https://prometheus.io/docs/instrumenting/exposition_formats/#text-based-format
 */

export type Sample = { name: string; labels: Record<string, string>; value: number };
export type Family = { name: string; help: string; type: 'counter' | 'gauge' | 'histogram' | 'summary' | 'untyped'; samples: Sample[] };

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const TYPES = new Set(['counter', 'gauge', 'histogram', 'summary', 'untyped']);

/** As Prometheus reads values (Go's ParseFloat): special values in any case. */
function parseValue(text: string, line: number): number {
  const special = text.toLowerCase();
  if (special === '+inf' || special === 'inf') return Number.POSITIVE_INFINITY;
  if (special === '-inf') return Number.NEGATIVE_INFINITY;
  if (special === 'nan') return Number.NaN;
  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(text)) throw new Error(`line ${line}: '${text}' is not a number`);
  return Number(text);
}

function parseLabels(text: string, line: number): { labels: Record<string, string>; rest: string } {
  const labels: Record<string, string> = {};
  let i = 1; // past '{'
  for (;;) {
    while (text[i] === ' ') i++;
    if (text[i] === '}') return { labels, rest: text.slice(i + 1) };
    const eq = text.indexOf('=', i);
    if (eq < 0) throw new Error(`line ${line}: label without '='`);
    const name = text.slice(i, eq).trim();
    if (!LABEL_NAME.test(name)) throw new Error(`line ${line}: bad label name '${name}'`);
    if (name in labels) throw new Error(`line ${line}: label '${name}' twice`);
    if (text[eq + 1] !== '"') throw new Error(`line ${line}: label value not quoted`);
    let value = '';
    let j = eq + 2;
    for (; ; j++) {
      const c = text[j];
      if (c === undefined) throw new Error(`line ${line}: unterminated label value`);
      if (c === '"') break;
      if (c === '\\') {
        const e = text[++j];
        if (e === 'n') value += '\n';
        else if (e === '\\' || e === '"') value += e;
        else throw new Error(`line ${line}: bad escape \\${e}`);
      } else value += c;
    }
    labels[name] = value;
    i = j + 1;
    if (text[i] === ',') i++;
    else if (text[i] !== '}') throw new Error(`line ${line}: expected ',' or '}' after a label`);
  }
}

const familyOf = (sample: string, family: Family | undefined): boolean => {
  if (!family) return false;
  if (sample === family.name) return family.type !== 'histogram';
  const suffixes = family.type === 'histogram' ? ['_bucket', '_sum', '_count'] : family.type === 'summary' ? ['_sum', '_count'] : [];
  return suffixes.some((s) => sample === family.name + s);
};

export function parsePrometheus(text: string): Family[] {
  const families = new Map<string, Family>();
  const closed = new Set<string>();
  const seen = new Set<string>();
  let current: Family | undefined;
  const open = (name: string) => {
    if (current?.name === name) return current;
    if (closed.has(name) || families.has(name)) throw new Error(`metric ${name} is split into two groups`);
    if (current) closed.add(current.name);
    current = { name, help: '', type: 'untyped', samples: [] };
    families.set(name, current);
    return current;
  };
  if (!text.endsWith('\n')) throw new Error('the exposition must end with a line feed');
  text
    .slice(0, -1)
    .split('\n')
    .forEach((raw, index) => {
      const line = index + 1;
      if (raw.trim() === '') return;
      const meta = /^# (HELP|TYPE) (\S+) ?(.*)$/.exec(raw);
      if (meta) {
        const [, kind, name, rest] = meta as unknown as [string, string, string, string];
        if (!METRIC_NAME.test(name)) throw new Error(`line ${line}: bad metric name '${name}'`);
        const family = open(name);
        if (kind === 'HELP') family.help = rest.replace(/\\n/g, '\n').replace(/\\\\/g, '\\');
        else {
          if (!TYPES.has(rest)) throw new Error(`line ${line}: unknown type '${rest}'`);
          if (family.samples.length) throw new Error(`line ${line}: TYPE of ${name} after its samples`);
          family.type = rest as Family['type'];
        }
        return;
      }
      if (raw.startsWith('#')) return;
      const nameEnd = raw.search(/[{ ]/);
      if (nameEnd < 0) throw new Error(`line ${line}: a sample needs a value`);
      const name = raw.slice(0, nameEnd);
      if (!METRIC_NAME.test(name)) throw new Error(`line ${line}: bad metric name '${name}'`);
      const { labels, rest } = raw[nameEnd] === '{' ? parseLabels(raw.slice(nameEnd), line) : { labels: {}, rest: raw.slice(nameEnd) };
      const parts = rest.trim().split(/ +/);
      if (parts.length < 1 || parts.length > 2 || parts[0] === '') throw new Error(`line ${line}: expected a value and an optional timestamp`);
      if (parts[1] !== undefined && !/^-?\d+$/.test(parts[1])) throw new Error(`line ${line}: bad timestamp`);
      const value = parseValue(parts[0]!, line);
      const family = familyOf(name, current) ? current! : open(name);
      if (!familyOf(name, family) && name !== family.name) throw new Error(`line ${line}: ${name} outside its family`);
      const key = `${name}${JSON.stringify(Object.entries(labels).sort())}`;
      if (seen.has(key)) throw new Error(`line ${line}: duplicate series ${key}`);
      seen.add(key);
      family.samples.push({ name, labels, value });
    });
  for (const family of families.values()) if (family.type === 'histogram') checkHistogram(family);
  return [...families.values()];
}

/** Each series' buckets are cumulative and end in +Inf, which equals its _count. */
function checkHistogram(family: Family) {
  const series = new Map<string, { buckets: [number, number][]; count?: number }>();
  const keyOf = (labels: Record<string, string>) =>
    JSON.stringify(
      Object.entries(labels)
        .filter(([k]) => k !== 'le')
        .sort(),
    );
  for (const s of family.samples) {
    const entry = series.get(keyOf(s.labels)) ?? { buckets: [] };
    series.set(keyOf(s.labels), entry);
    if (s.name.endsWith('_bucket')) {
      if (s.labels.le === undefined) throw new Error(`${family.name}: a bucket without le`);
      entry.buckets.push([parseValue(s.labels.le, 0), s.value]);
    } else if (s.name.endsWith('_count')) entry.count = s.value;
  }
  for (const [key, { buckets, count }] of series) {
    const sorted = [...buckets].sort((a, b) => a[0] - b[0]);
    sorted.forEach(([, v], i) => {
      if (i > 0 && v < sorted[i - 1]![1]) throw new Error(`${family.name}${key}: buckets are not cumulative`);
    });
    const inf = sorted.at(-1);
    if (!inf || inf[0] !== Number.POSITIVE_INFINITY) throw new Error(`${family.name}${key}: no +Inf bucket`);
    if (count !== inf[1]) throw new Error(`${family.name}${key}: _count ${count} differs from the +Inf bucket ${inf[1]}`);
  }
}

/** The sum of a family's samples whose labels include `labels`; for a histogram, of its _count samples. */
export function metricValue(families: Family[], name: string, labels: Record<string, string> = {}): number {
  const family = families.find((f) => f.name === name);
  if (!family) throw new Error(`no metric ${name}`);
  const wanted = family.type === 'histogram' || family.type === 'summary' ? `${name}_count` : name;
  return family.samples
    .filter((s) => s.name === wanted && Object.entries(labels).every(([k, v]) => s.labels[k] === v))
    .reduce((sum, s) => sum + s.value, 0);
}
