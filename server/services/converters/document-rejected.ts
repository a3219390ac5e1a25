/**
 * Why an uploaded file cannot become Markdown. `reason` is a sentence for the
 * person who uploaded it and names the file ("notes.pdf is encrypted …");
 * anything else thrown while converting is a bug, not a verdict on the file.
 */
export class DocumentRejected extends Error {
  override name = 'DocumentRejected';
  constructor(
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super(reason, options);
  }
}

/** `12 B`, `3.4 KB`, `5.0 GB`: sizes in rejection reasons. */
export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KB', 'MB', 'GB', 'TB'];
  let value = n / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(1)} ${units[unit]}`;
}
