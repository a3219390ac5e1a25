import { EmbeddingError } from './types';

/**
 * Throws unless `v` is an array of exactly `dimensions` finite numbers, not all
 * zero. A zero or partial vector would be stored without complaint and then
 * silently poison search (cosine distance to a zero vector is NaN), so a bad
 * vector fails its batch instead: skip, don't corrupt.
 */
export function validateVector(v: unknown, dimensions: number): asserts v is number[] {
  if (!Array.isArray(v)) {
    throw new EmbeddingError(`expected a vector (array of numbers) but got ${v === null ? 'null' : typeof v}`);
  }
  if (v.length !== dimensions) {
    throw new EmbeddingError(`expected a ${dimensions}-dimensional vector but got ${v.length} numbers`);
  }
  let nonZero = false;
  for (let i = 0; i < v.length; i++) {
    const x: unknown = v[i];
    if (typeof x !== 'number' || !Number.isFinite(x)) {
      throw new EmbeddingError(`vector element ${i} is ${typeof x === 'number' ? String(x) : typeof x}, not a finite number`);
    }
    if (x !== 0) nonZero = true;
  }
  if (!nonZero) throw new EmbeddingError('vector is all zeros');
}
