import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { eq } from 'drizzle-orm';
import { afterAll, describe, expect, it } from 'vitest';
import { chunks, pages, sources } from '../../db/schema';
import { loadConfig } from '../../server/config';
import { type Runtime, startRuntime } from '../../server/runtime/runtime';
import { updateProviderSettings } from '../../server/services/providers/provider-settings';
import { createServerDatabase, testDbKind } from '../helpers/db';

/**
 * Vectors embedded just before a stop wait in the backlog, outside their HNSW
 * index. Start-up folds them in for the dimension the settings chose, not
 * only the environment's, so they are not read exactly on every search.
 */
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'archon-backlog-'));
let dropDb: (() => Promise<void>) | undefined;
let rt: Runtime | undefined;
afterAll(async () => {
  await rt?.close();
  await dropDb?.();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

describe('start-up', () => {
  it('folds in the vector backlog of the dimension saved in the settings', async () => {
    const env: Record<string, string> = { NODE_ENV: 'test', LOG_LEVEL: 'silent', ARCHON_DATA_DIR: dataDir, EMBEDDING_DIMENSIONS: '64' };
    if (testDbKind() === 'postgres') {
      const db = await createServerDatabase();
      env.DATABASE_URL = db.url;
      dropDb = db.drop;
    }
    const config = loadConfig(env);
    rt = await startRuntime(config);
    await updateProviderSettings(rt.database.db, rt.secretBox, { embedding: { dimensions: 32 } }, null);
    const db = rt.database.db;
    await db.insert(sources).values({ id: 'backlog', kind: 'url', title: 'Backlog', url: 'https://backlog.test/' });
    const [page] = await db
      .insert(pages)
      .values({ sourceId: 'backlog', url: 'https://backlog.test/a', title: 'A', content: 'x', contentHash: 'h', charCount: 1, wordCount: 1 })
      .returning({ id: pages.id });
    // Embedded with the saved dimension, then the process stopped before the job folded them in.
    await db.insert(chunks).values(
      [0, 1, 2].map((i) => ({
        sourceId: 'backlog',
        pageId: page!.id,
        chunkIndex: i,
        content: `chunk ${i}`,
        charCount: 7,
        contentHash: `h${i}`,
        embedding: Array.from({ length: 32 }, (_, d) => (d === i ? 1 : 0)),
        embeddingDim: 32,
        embeddingModel: 'test',
      })),
    );
    const backlog = async () =>
      (await rt!.database.db.select({ indexedDim: chunks.indexedDim }).from(chunks).where(eq(chunks.sourceId, 'backlog'))).map((c) => c.indexedDim);
    expect(await backlog()).toEqual([null, null, null]);
    await rt.close();

    rt = await startRuntime(config);
    expect(rt.config.EMBEDDING_DIMENSIONS).toBe(32);
    expect(await backlog()).toEqual([32, 32, 32]);
  });
});
