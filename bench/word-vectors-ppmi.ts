// Word vectors from a corpus's own co-occurrences: positive pointwise mutual
// information (PPMI) over a sliding window, with context-distribution smoothing,
// reduced by a randomised truncated eigendecomposition (Levy, Goldberg and
// Dagan 2015: on small corpora this does as well as skip-gram with negative
// sampling, and it is deterministic). Plain TypeScript over typed arrays.

export type WordVectors = {
  words: string[];
  index: Map<string, number>;
  /** Occurrences of each word in the training corpus. */
  counts: Int32Array;
  dim: number;
  /** One unit-length row per word. */
  vectors: Float32Array;
};

export type PpmiOptions = {
  /** Words on each side that count as context. */
  window: number;
  minCount: number;
  maxVocab: number;
  dim: number;
  /** Context-distribution smoothing exponent (0.75 in word2vec and Levy et al.). */
  cds: number;
  /** Eigenvalue weighting: vectors are U·|Λ|^p (p = 0.5 in Levy et al.'s symmetric variant). */
  eig: number;
  powerIterations: number;
  seed: number;
};

export const PPMI_DEFAULTS: PpmiOptions = { window: 5, minCount: 3, maxVocab: 40_000, dim: 100, cds: 0.75, eig: 0.5, powerIterations: 2, seed: 1 };

/** A small deterministic generator (mulberry32), for reproducible random projections. */
function random(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Csr = { n: number; rowStart: Int32Array; col: Int32Array; value: Float32Array };

/** Symmetric sparse product Y = M·X for dense X held column-major (n × l). */
function multiply(m: Csr, x: Float64Array, l: number): Float64Array {
  const { n, rowStart, col, value } = m;
  const y = new Float64Array(n * l);
  for (let c = 0; c < l; c++) {
    const off = c * n;
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let k = rowStart[i]!; k < rowStart[i + 1]!; k++) s += value[k]! * x[off + col[k]!]!;
      y[off + i] = s;
    }
  }
  return y;
}

/** Orthonormalises the columns of a column-major n × l matrix in place (modified Gram-Schmidt, twice for stability). */
function orthonormalise(y: Float64Array, n: number, l: number) {
  for (let pass = 0; pass < 2; pass++)
    for (let c = 0; c < l; c++) {
      const oc = c * n;
      for (let p = 0; p < c; p++) {
        const op = p * n;
        let d = 0;
        for (let i = 0; i < n; i++) d += y[oc + i]! * y[op + i]!;
        for (let i = 0; i < n; i++) y[oc + i]! -= d * y[op + i]!;
      }
      let norm = 0;
      for (let i = 0; i < n; i++) norm += y[oc + i]! ** 2;
      norm = Math.sqrt(norm) || 1;
      for (let i = 0; i < n; i++) y[oc + i]! /= norm;
    }
}

/** Eigen-decomposition of a small symmetric matrix (row-major l × l) by cyclic Jacobi rotations. */
function jacobi(a: Float64Array, l: number): { values: Float64Array; vectors: Float64Array } {
  const v = new Float64Array(l * l);
  for (let i = 0; i < l; i++) v[i * l + i] = 1;
  for (let sweep = 0; sweep < 50; sweep++) {
    let off = 0;
    for (let p = 0; p < l; p++) for (let q = p + 1; q < l; q++) off += a[p * l + q]! ** 2;
    if (off < 1e-20) break;
    for (let p = 0; p < l; p++)
      for (let q = p + 1; q < l; q++) {
        const apq = a[p * l + q]!;
        if (Math.abs(apq) < 1e-30) continue;
        const theta = (a[q * l + q]! - a[p * l + p]!) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < l; k++) {
          const akp = a[k * l + p]!;
          const akq = a[k * l + q]!;
          a[k * l + p] = c * akp - s * akq;
          a[k * l + q] = s * akp + c * akq;
        }
        for (let k = 0; k < l; k++) {
          const apk = a[p * l + k]!;
          const aqk = a[q * l + k]!;
          a[p * l + k] = c * apk - s * aqk;
          a[q * l + k] = s * apk + c * aqk;
        }
        for (let k = 0; k < l; k++) {
          const vkp = v[k * l + p]!;
          const vkq = v[k * l + q]!;
          v[k * l + p] = c * vkp - s * vkq;
          v[k * l + q] = s * vkp + c * vkq;
        }
      }
  }
  const values = new Float64Array(l);
  for (let i = 0; i < l; i++) values[i] = a[i * l + i]!;
  return { values, vectors: v };
}

/**
 * Trains word vectors on token sequences (here: each chunk's lexemes in order).
 * Co-occurrences within `window` are weighted by closeness, (window − d + 1) / window,
 * as word2vec's dynamic window does on average.
 */
export function trainPpmi(sequences: string[][], options: Partial<PpmiOptions> = {}): WordVectors {
  const o = { ...PPMI_DEFAULTS, ...options };
  const freq = new Map<string, number>();
  for (const seq of sequences) for (const w of seq) freq.set(w, (freq.get(w) ?? 0) + 1);
  const kept = [...freq.entries()]
    .filter(([, c]) => c >= o.minCount)
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
    .slice(0, o.maxVocab);
  const words = kept.map(([w]) => w);
  const index = new Map(words.map((w, i) => [w, i]));
  const counts = Int32Array.from(kept.map(([, c]) => c));
  const n = words.length;
  const W = o.window;
  if (W < 1 || W > 7) throw new Error('window must be 1 to 7 (it is packed in three bits)');

  // Every unordered pair within the window once, as (min·n + max)·8 + distance, sorted and counted.
  let total = 0;
  const ids = sequences.map((seq) => {
    const out = Int32Array.from(seq.map((w) => index.get(w) ?? -1).filter((i) => i >= 0));
    total += out.length;
    return out;
  });
  const keys = new Float64Array(total * W);
  let nk = 0;
  for (const seq of ids)
    for (let i = 0; i < seq.length; i++)
      for (let d = 1; d <= W && i + d < seq.length; d++) {
        const a = seq[i]!;
        const b = seq[i + d]!;
        if (a === b) continue;
        keys[nk++] = (a < b ? a * n + b : b * n + a) * 8 + d;
      }
  const sorted = keys.subarray(0, nk).sort();
  // Distinct pairs and their weighted counts.
  const pairA: number[] = [];
  const pairB: number[] = [];
  const pairW: number[] = [];
  for (let k = 0; k < nk; ) {
    const pair = Math.floor(sorted[k]! / 8);
    let w = 0;
    while (k < nk && Math.floor(sorted[k]! / 8) === pair) {
      w += (W - (sorted[k]! % 8) + 1) / W;
      k++;
    }
    pairA.push(Math.floor(pair / n));
    pairB.push(pair % n);
    pairW.push(w);
  }
  const rowSum = new Float64Array(n);
  for (let p = 0; p < pairA.length; p++) {
    rowSum[pairA[p]!]! += pairW[p]!;
    rowSum[pairB[p]!]! += pairW[p]!;
  }
  let sumSmoothed = 0;
  for (let i = 0; i < n; i++) sumSmoothed += rowSum[i]! ** o.cds;
  // PPMI(i, j) = max(0, log(c_ij · Σc^α / (c_i · c_j^α))), kept symmetric by averaging the two smoothed directions.
  const ppmi = (a: number, b: number, c: number) => {
    const ab = Math.log((c * sumSmoothed) / (rowSum[a]! * rowSum[b]! ** o.cds));
    const ba = Math.log((c * sumSmoothed) / (rowSum[b]! * rowSum[a]! ** o.cds));
    return Math.max(0, (ab + ba) / 2);
  };
  const rowCount = new Int32Array(n + 1);
  const values: number[] = [];
  for (let p = 0; p < pairA.length; p++) {
    const v = ppmi(pairA[p]!, pairB[p]!, pairW[p]!);
    values.push(v);
    if (v > 0) {
      rowCount[pairA[p]! + 1]!++;
      rowCount[pairB[p]! + 1]!++;
    }
  }
  for (let i = 0; i < n; i++) rowCount[i + 1]! += rowCount[i]!;
  const nnz = rowCount[n]!;
  const col = new Int32Array(nnz);
  const value = new Float32Array(nnz);
  const fill = rowCount.slice(0, n);
  for (let p = 0; p < pairA.length; p++) {
    const v = values[p]!;
    if (v <= 0) continue;
    const a = pairA[p]!;
    const b = pairB[p]!;
    col[fill[a]!] = b;
    value[fill[a]!++] = v;
    col[fill[b]!] = a;
    value[fill[b]!++] = v;
  }
  const m: Csr = { n, rowStart: rowCount, col, value };

  // Randomised range finder with power iterations, then the small projected problem.
  const l = Math.min(n, o.dim + 20);
  const rnd = random(o.seed);
  let y: Float64Array = new Float64Array(n * l);
  for (let i = 0; i < y.length; i++) y[i] = rnd() * 2 - 1;
  y = multiply(m, y, l);
  orthonormalise(y, n, l);
  for (let it = 0; it < o.powerIterations; it++) {
    y = multiply(m, y, l);
    orthonormalise(y, n, l);
  }
  const my = multiply(m, y, l);
  const t = new Float64Array(l * l);
  for (let p = 0; p < l; p++)
    for (let q = p; q < l; q++) {
      let s = 0;
      for (let i = 0; i < n; i++) s += y[p * n + i]! * my[q * n + i]!;
      t[p * l + q] = s;
      t[q * l + p] = s;
    }
  const eig = jacobi(t, l);
  const order = [...eig.values.keys()].sort((a, b) => Math.abs(eig.values[b]!) - Math.abs(eig.values[a]!)).slice(0, Math.min(o.dim, l));
  const dim = order.length;
  const vectors = new Float32Array(n * dim);
  for (let r = 0; r < dim; r++) {
    const e = order[r]!;
    const scale = Math.abs(eig.values[e]!) ** o.eig;
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let p = 0; p < l; p++) s += y[p * n + i]! * eig.vectors[p * l + e]!;
      vectors[i * dim + r] = s * scale;
    }
  }
  normaliseRows(vectors, dim);
  return { words, index, counts, dim, vectors };
}

export function normaliseRows(vectors: Float32Array, dim: number) {
  for (let off = 0; off < vectors.length; off += dim) {
    let norm = 0;
    for (let k = 0; k < dim; k++) norm += vectors[off + k]! ** 2;
    norm = Math.sqrt(norm) || 1;
    for (let k = 0; k < dim; k++) vectors[off + k]! /= norm;
  }
}

/** The k words nearest to `word` by cosine, with their similarity. */
export function nearest(wv: WordVectors, word: string, k: number): { word: string; similarity: number }[] {
  const i = wv.index.get(word);
  if (i === undefined) return [];
  const { dim, vectors } = wv;
  const best: { word: string; similarity: number }[] = [];
  for (let j = 0; j < wv.words.length; j++) {
    if (j === i) continue;
    let s = 0;
    for (let d = 0; d < dim; d++) s += vectors[i * dim + d]! * vectors[j * dim + d]!;
    if (best.length < k || s > best[best.length - 1]!.similarity) {
      best.push({ word: wv.words[j]!, similarity: s });
      best.sort((a, b) => b.similarity - a.similarity);
      if (best.length > k) best.pop();
    }
  }
  return best;
}
