/**
 * How a command prints: with --json one JSON document on stdout (and any
 * progress on stderr, so stdout stays parseable); otherwise text for people.
 */
export type Output = {
  json: boolean;
  /** Where progress goes: stdout for people, stderr under --json. */
  progress: NodeJS.WriteStream;
  /** Whether that stream is a terminal, which gets a live bar rather than lines. */
  tty: boolean;
  /** The command's result: `value` as JSON under --json, else `text()`. */
  result(value: unknown, text: () => string): void;
  /** A line for people (stderr under --json, so it never mixes with the JSON). */
  say(line: string): void;
};

export function createOutput(json: boolean): Output {
  const progress = json ? process.stderr : process.stdout;
  return {
    json,
    progress,
    tty: Boolean(progress.isTTY) && process.env.TERM !== 'dumb',
    result: (value, text) => {
      if (json) process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
      else {
        const body = text();
        if (body) process.stdout.write(body.endsWith('\n') ? body : `${body}\n`);
      }
    },
    say: (line) => (json ? process.stderr : process.stdout).write(`${line}\n`),
  };
}

/** A cell cut to `max` characters, on one line. */
const cell = (value: unknown, max: number) => {
  const text =
    value === null || value === undefined ? '' : value instanceof Date ? value.toISOString().slice(0, 19).replace('T', ' ') : String(value);
  const line = text.replace(/\s+/g, ' ');
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
};

/** Rows as aligned columns under a header; `empty` when there are none. */
export function table<T>(rows: T[], columns: { header: string; value: (row: T) => unknown; max?: number }[], empty = 'none'): string {
  if (rows.length === 0) return empty;
  const cells = rows.map((row) => columns.map((c) => cell(c.value(row), c.max ?? 60)));
  const widths = columns.map((c, i) => Math.max(c.header.length, ...cells.map((r) => r[i]!.length)));
  const line = (parts: string[]) =>
    parts
      .map((p, i) => (i === parts.length - 1 ? p : p.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(columns.map((c) => c.header)), ...cells.map(line)].join('\n');
}

/** 1.2 KB, 3.4 MB. */
export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KB', 'MB', 'GB', 'TB'];
  let value = n / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`;
}

/** 45s, 3m20s, 1h05m. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '?';
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}
