import { describe, expect, it } from 'vitest';
import { createHashEmbedder, HASH_EMBEDDER_MODEL, identifierParts } from '../../server/services/embeddings/hash-embedder';
import { EmbeddingConfigError } from '../../server/services/embeddings/types';
import { validateVector } from '../../server/services/embeddings/validate';

const cosine = (a: number[], b: number[]) => a.reduce((s, x, i) => s + x * b[i]!, 0);
const norm = (v: number[]) => Math.sqrt(cosine(v, v));

const embedder = createHashEmbedder(1536);
const embed = async (text: string) => (await embedder.embed([text]))[0]!;
const sim = async (a: string, b: string) => cosine(await embed(a), await embed(b));

describe('hash embedder', () => {
  it('returns one valid unit vector per text, in order, named archon-hash-v2', async () => {
    const texts = ['first text', 'second text about something else', 'third'];
    const vectors = await embedder.embed(texts);
    expect(embedder.model).toBe(HASH_EMBEDDER_MODEL);
    expect(HASH_EMBEDDER_MODEL).toBe('archon-hash-v2');
    expect(embedder.dimensions).toBe(1536);
    expect(vectors).toHaveLength(3);
    for (const v of vectors) {
      validateVector(v, 1536);
      expect(norm(v)).toBeCloseTo(1, 10);
    }
    expect(vectors[1]).toEqual(await embed('second text about something else'));
    expect(await embedder.embed([])).toEqual([]);
  });

  it('is deterministic across instances and calls, and honours the dimension', async () => {
    const text = 'Deterministic vectors let stored embeddings be compared with query embeddings later.';
    const a = await createHashEmbedder(1536).embed([text]);
    const b = await createHashEmbedder(1536).embed([text]);
    expect(a).toEqual(b);
    const [small] = await createHashEmbedder(64).embed([text]);
    validateVector(small, 64);
    expect(norm(small!)).toBeCloseTo(1, 10);
  });

  it('gives featureless text a fixed unit vector instead of a zero vector', async () => {
    const [empty, punctuation, spaces, underscores] = await embedder.embed(['', '!!! ... ---', '   \n\t', '___']);
    const e0 = new Array(1536).fill(0);
    e0[0] = 1;
    for (const v of [empty, punctuation, spaces, underscores]) expect(v).toEqual(e0);
    expect(await embed('x')).not.toEqual(e0);
  });

  it('ranks texts sharing words above unrelated ones', async () => {
    const query = 'How do I configure the PostgreSQL connection pool size?';
    const related = 'Set the connection pool size for PostgreSQL in the configuration file.';
    const unrelated = 'Bake the cake at 180 degrees for forty minutes until golden.';
    const a = await sim(query, related);
    const b = await sim(query, unrelated);
    expect(a).toBeGreaterThan(0.3);
    expect(a).toBeGreaterThan(b + 0.2);
  });

  it('ignores case', async () => {
    expect(await embed('Hello WORLD, Hello')).toEqual(await embed('hello world hello'));
  });

  it('splits camelCase and snake_case identifiers but keeps the whole identifier', async () => {
    expect(identifierParts('getUserName')).toEqual(['get', 'user', 'name']);
    expect(identifierParts('parse_config_file')).toEqual(['parse', 'config', 'file']);
    expect(identifierParts('HTTPServer_v2')).toEqual(['http', 'server', 'v2']);
    expect(identifierParts('__init__')).toEqual(['init']);
    expect(identifierParts('HTTP')).toEqual([]);
    expect(identifierParts('Hello')).toEqual([]);
    expect(identifierParts('plain')).toEqual([]);

    // The parts are unigrams of their own: without them these fall to about 0.34 and 0.15.
    const code = 'const name = getUserName(account);';
    expect(await sim(code, 'user name')).toBeGreaterThan(0.45);
    expect(await sim(code, 'user name')).toBeGreaterThan(await sim(code, 'pool size'));
    expect(await sim('call parse_config_file here', 'parse the config file')).toBeGreaterThan(0.35);
    expect(await sim('call parse_config_file here', 'parse the config file')).toBeGreaterThan(
      await sim('call load_image_data here', 'parse the config file'),
    );
    // The whole identifier is a feature of its own: exact identifier matches beat mere parts.
    expect(await sim('getUserName', 'getUserName')).toBeCloseTo(1, 10);
    expect(await sim('getUserName', 'getUserName()')).toBeGreaterThan(await sim('getUserName', 'get user name'));
  });

  it('uses character trigrams so inflections and typos still overlap', async () => {
    expect(await sim('embeddings', 'embedding')).toBeGreaterThan(0.3);
    expect(await sim('embeddings', 'embedding')).toBeGreaterThan((await sim('embeddings', 'database')) + 0.3);
    expect(await sim('postgresql', 'postgersql')).toBeGreaterThan(await sim('postgresql', 'kubernetes'));
  });

  it('uses word bigrams, so word order matters a little', async () => {
    const a = await embed('dog bites man');
    const b = await embed('man bites dog');
    expect(a).not.toEqual(b);
    expect(cosine(a, b)).toBeGreaterThan(0.5);
    expect(cosine(a, b)).toBeLessThan(0.99);
  });

  it('weights repeated words sublinearly', async () => {
    // With raw counts "apple" ×20 would swamp "banana" (cosine to "banana" ≈ 0.05 on unigrams alone).
    const repeated = await embed(`${'apple '.repeat(20)}banana`);
    expect(cosine(repeated, await embed('banana'))).toBeGreaterThan(0.2);
  });

  it('handles non-ASCII text', async () => {
    const v = await embed('Größe der Datenbank: 数据库 連線');
    validateVector(v, 1536);
    expect(await sim('Größe der Datenbank', 'die Datenbank Größe')).toBeGreaterThan(await sim('Größe der Datenbank', 'Kuchen backen'));
  });

  it('reuses its scratch space safely after a very long text', async () => {
    const e = createHashEmbedder(256);
    const huge = Array.from({ length: 30_000 }, (_, i) => `word${i}`).join(' ');
    const [big] = await e.embed([huge]);
    validateVector(big, 256);
    const [afterGrow] = await e.embed(['a short text']);
    const [fresh] = await createHashEmbedder(256).embed(['a short text']);
    expect(afterGrow).toEqual(fresh);
  });

  it('refuses a bad dimension and an aborted signal', async () => {
    expect(() => createHashEmbedder(0)).toThrow(EmbeddingConfigError);
    expect(() => createHashEmbedder(1.5)).toThrow(EmbeddingConfigError);
    const controller = new AbortController();
    controller.abort();
    await expect(embedder.embed(['x'], { signal: controller.signal })).rejects.toThrow(/abort/i);
  });

  it('embeds chunks of 1,500 characters at 1536 dimensions fast enough for ingestion (rate printed)', async () => {
    const words = (
      'the quick brown fox jumps over lazy dog database vector index embedding search query server client ' +
      'request response function getUserName parse_config HTTPServer async await promise error retry timeout'
    ).split(' ');
    let seed = 42;
    const random = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32;
    const chunks = Array.from({ length: 3000 }, () => {
      let s = '';
      while (s.length < 1500) s += words[Math.floor(random() * words.length)] + (random() < 0.1 ? '. ' : ' ');
      return s.slice(0, 1500);
    });
    const e = createHashEmbedder(1536);
    await e.embed(chunks.slice(0, 300)); // warm up the JIT
    const started = performance.now();
    await e.embed(chunks);
    const perSecond = chunks.length / ((performance.now() - started) / 1000);
    console.info(`hash embedder: ${Math.round(perSecond)} chunks/s (1,500 chars, 1536 dims)`);
    // About 2,000 a second here on a quiet machine; the bound is loose because CI shares two cores with other suites,
    // and still catches a change that makes embedding an order of magnitude slower.
    expect(perSecond).toBeGreaterThan(250);
  });
});
