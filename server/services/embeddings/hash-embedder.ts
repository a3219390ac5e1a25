import { ENGLISH_STOPWORDS } from './stopwords';
import { type Embedder, EmbeddingConfigError } from './types';

/**
 * The offline embedder: works with no API key and no network, so a fresh
 * install can index and search at once. It is lexical, not semantic: texts that
 * share words, identifiers and word pieces come out close; synonyms do not.
 *
 * Every detail below (tokens, weights, hashes) determines the stored vectors.
 * Change any of them and bump the model name, so rows embedded by the old
 * version are recognised and re-embedded instead of silently mismatching.
 */
export const HASH_EMBEDDER_MODEL = 'archon-hash-v2';

// Whole words dominate; bigrams add phrase order; char trigrams only nudge
// (a word has as many trigrams as letters) so typos and inflections still overlap.
const UNIGRAM_WEIGHT = 1;
const BIGRAM_WEIGHT = 0.7;
const TRIGRAM_WEIGHT = 0.3;

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;
const SIGN_SALT = 0x9e3779b9;
const START = 0x5e; // '^' and '$' mark word boundaries in trigrams
const END = 0x24;
const SPACE = 0x20;

const fnv = (h: number, code: number) => Math.imul(h ^ code, FNV_PRIME);

function fnvString(h: number, s: string): number {
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), FNV_PRIME);
  return h;
}

// FNV-1a's low bits mix poorly; murmur3's finaliser spreads every input bit.
function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

// Separate seeds keep the word "the", the trigram "the" and so on apart.
const UNIGRAM_SEED = fnv(FNV_OFFSET, 1);
const BIGRAM_SEED = fnv(FNV_OFFSET, 2);
const TRIGRAM_SEED = fnv(FNV_OFFSET, 3);

// Letters, digits and underscores: an identifier like get_user_name stays one token.
const TOKEN = /[\p{L}\p{N}_]+/gu;
// Only tokens with an underscore or an upper-case letter after the first need splitting.
const COMPOUND = /_|.\p{Lu}/u;
const CAMEL_BOUNDARY = /(?<=[\p{Ll}\p{N}])(?=\p{Lu})|(?<=\p{Lu})(?=\p{Lu}\p{Ll})/u;

/** getUserName → get, user, name; HTTPServer_v2 → http, server, v2; plain words → []. */
export function identifierParts(token: string): string[] {
  if (!COMPOUND.test(token)) return [];
  const parts: string[] = [];
  for (const piece of token.split('_')) {
    if (piece) for (const p of piece.split(CAMEL_BOUNDARY)) parts.push(p.toLowerCase());
  }
  // __init__ → init is worth a feature too; HTTP → http is just the word again.
  return parts.length > 1 || (parts.length === 1 && token.includes('_')) ? parts : [];
}

const UNIGRAM = 0;
const BIGRAM = 1;
const TRIGRAM = 2;
const WEIGHTS = [UNIGRAM_WEIGHT, BIGRAM_WEIGHT, TRIGRAM_WEIGHT];

/**
 * Term frequencies of one text's features, keyed by (kind, 32-bit hash). An
 * open-addressing table on typed arrays, reused from text to text: a Map
 * rebuilt per chunk spent more time in the garbage collector than hashing.
 */
class FeatureCounts {
  size = 0;
  slots = new Int32Array(0); // used slot indices, in insertion order
  keys = new Int32Array(0);
  kinds = new Uint8Array(0);
  counts = new Int32Array(0);
  private stamps = new Uint32Array(0); // a slot is used when its stamp is the current epoch
  private epoch = 1;
  private mask = 0;

  constructor(capacity = 4096) {
    this.allocate(capacity);
  }

  clear(): void {
    this.size = 0;
    if (++this.epoch === 0xffffffff) {
      this.stamps.fill(0);
      this.epoch = 1;
    }
  }

  add(kind: number, hash: number): void {
    const i = this.slotOf(kind, hash);
    if (this.stamps[i] === this.epoch) this.counts[i]!++;
    else this.insert(i, kind, hash, 1);
  }

  private slotOf(kind: number, hash: number): number {
    const { keys, kinds, stamps, epoch, mask } = this;
    let i = fmix32(hash + kind) & mask;
    while (stamps[i] === epoch && (keys[i] !== hash || kinds[i] !== kind)) i = (i + 1) & mask;
    return i;
  }

  private insert(i: number, kind: number, hash: number, count: number): void {
    this.stamps[i] = this.epoch;
    this.keys[i] = hash;
    this.kinds[i] = kind;
    this.counts[i] = count;
    this.slots[this.size++] = i;
    // Half full at most, so probes stay short; only very long texts ever grow.
    if (this.size * 2 > this.keys.length) this.grow();
  }

  private allocate(capacity: number): void {
    this.keys = new Int32Array(capacity);
    this.kinds = new Uint8Array(capacity);
    this.counts = new Int32Array(capacity);
    this.stamps = new Uint32Array(capacity);
    this.slots = new Int32Array(capacity);
    this.mask = capacity - 1;
    this.epoch = 1;
    this.size = 0;
  }

  private grow(): void {
    const { keys, kinds, counts, slots, size } = this;
    this.allocate(keys.length * 2);
    for (let n = 0; n < size; n++) {
      const s = slots[n]!;
      this.insert(this.slotOf(kinds[s]!, keys[s]!), kinds[s]!, keys[s]!, counts[s]!);
    }
  }
}

function collectFeatures(text: string, features: FeatureCounts): void {
  let prev: string | null = null;
  for (const match of text.matchAll(TOKEN)) {
    const raw = match[0];
    const word = raw.toLowerCase();
    if (word.charCodeAt(0) === 0x5f && /^_+$/.test(word)) continue;
    // v2: function words carry no topic; bigrams join the words around them.
    if (ENGLISH_STOPWORDS.has(word)) continue;
    features.add(UNIGRAM, fnvString(UNIGRAM_SEED, word));
    for (const part of identifierParts(raw)) features.add(UNIGRAM, fnvString(UNIGRAM_SEED, part));
    if (prev !== null) features.add(BIGRAM, fnvString(fnv(fnvString(BIGRAM_SEED, prev), SPACE), word));
    prev = word;
    // Trigrams of "^word$" without building the padded string.
    const n = word.length;
    for (let i = -1; i < n - 1; i++) {
      const a = i < 0 ? START : word.charCodeAt(i);
      const b = word.charCodeAt(i + 1);
      const c = i + 2 < n ? word.charCodeAt(i + 2) : END;
      features.add(TRIGRAM, fnv(fnv(fnv(TRIGRAM_SEED, a), b), c));
    }
  }
}

// Signed hashing: colliding features cancel on average instead of piling up.
// Sublinear tf (1 + ln tf): a word repeated ten times is not ten times the topic.
function accumulate(acc: Float64Array, features: FeatureCounts): void {
  const dims = acc.length;
  const { slots, keys, kinds, counts, size } = features;
  for (let n = 0; n < size; n++) {
    const s = slots[n]!;
    const key = keys[s]!;
    const bucket = fmix32(key) % dims;
    const sign = fmix32(key ^ SIGN_SALT) & 1 ? -1 : 1;
    acc[bucket]! += sign * WEIGHTS[kinds[s]!]! * (1 + Math.log(counts[s]!));
  }
}

export function createHashEmbedder(dimensions: number): Embedder {
  if (!Number.isInteger(dimensions) || dimensions < 1) {
    throw new EmbeddingConfigError(`EMBEDDING_DIMENSIONS must be a positive integer, got ${dimensions}`);
  }
  // Scratch space shared by every call; safe because embedOne never yields.
  const acc = new Float64Array(dimensions);
  const features = new FeatureCounts();

  function embedOne(text: string): number[] {
    acc.fill(0);
    features.clear();
    collectFeatures(text, features);
    accumulate(acc, features);
    let sumSquares = 0;
    for (let i = 0; i < dimensions; i++) sumSquares += acc[i]! * acc[i]!;
    const out = new Array<number>(dimensions);
    if (sumSquares === 0) {
      // Empty or punctuation-only text has no features, but the batch contract
      // is one valid vector per text and a zero vector is never valid (it has
      // no direction; cosine distance to it is NaN). A fixed unit vector keeps
      // such chunks storable and makes them all equal to each other, which is
      // honest: they say nothing.
      out.fill(0);
      out[0] = 1;
      return out;
    }
    const inv = 1 / Math.sqrt(sumSquares);
    for (let i = 0; i < dimensions; i++) out[i] = acc[i]! * inv;
    return out;
  }

  return {
    model: HASH_EMBEDDER_MODEL,
    dimensions,
    async embed(texts, opts) {
      opts?.signal?.throwIfAborted();
      return texts.map(embedOne);
    },
  };
}
