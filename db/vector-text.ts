/**
 * pgvector's text format, written compactly. pgvector stores float4, so the
 * 17 significant digits of a JavaScript double are noise: seven decimal
 * places (every component of a unit vector is within [-1, 1]) halve the bytes
 * sent and parsed, which measurably speeds bulk ingestion (bench/ingest.ts).
 */
export function vectorToText(v: ArrayLike<number>): string {
  let s = '[';
  for (let i = 0; i < v.length; i++) {
    const x = v[i]!;
    if (i) s += ',';
    const abs = x < 0 ? -x : x;
    if (!(abs < 1)) {
      s += String(x);
      continue;
    }
    const n = Math.round(abs * 1e7);
    if (n === 0) {
      s += '0';
      continue;
    }
    if (x < 0) s += '-';
    if (n >= 1e7) {
      s += '1';
      continue;
    }
    const digits = String(n);
    s += `0.${'0000000'.slice(digits.length)}${digits}`;
  }
  return `${s}]`;
}
