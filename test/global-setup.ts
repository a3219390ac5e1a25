import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import postgres from 'postgres';
import type { TestProject } from 'vitest/node';
import { openDatabase } from '../db';
import { TEMPLATE_DB, TEST_DIMENSIONS } from './helpers/constants';

declare module 'vitest' {
  export interface ProvidedContext {
    pgliteTemplate: string;
  }
}

function withDatabase(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}

/**
 * Migrates one database per run and lets every test file copy it: a PGlite
 * data-dir dump, and (with TEST_DATABASE_URL) a PostgreSQL template database.
 */
export default async function setup(project: TestProject) {
  const file = path.join(os.tmpdir(), `archon-pglite-template-${process.pid}.tar`);
  if (!fs.existsSync(file)) {
    const handle = await openDatabase({ dataDir: null, embeddingDimensions: TEST_DIMENSIONS });
    const client = (handle.db as unknown as { $client: { dumpDataDir(c: 'none'): Promise<Blob> } }).$client;
    const dump = await client.dumpDataDir('none');
    fs.writeFileSync(file, Buffer.from(await dump.arrayBuffer()));
    await handle.close();
  }
  project.provide('pgliteTemplate', file);

  const serverUrl = process.env.TEST_DATABASE_URL;
  if (serverUrl) {
    const admin = postgres(serverUrl, { max: 1, onnotice: () => {} });
    await admin.unsafe(`DROP DATABASE IF EXISTS ${TEMPLATE_DB} WITH (FORCE)`);
    await admin.unsafe(`CREATE DATABASE ${TEMPLATE_DB}`);
    await admin.end();
    const handle = await openDatabase({ url: withDatabase(serverUrl, TEMPLATE_DB), dataDir: null, embeddingDimensions: TEST_DIMENSIONS });
    await handle.close();
  }

  return () => {
    fs.rmSync(file, { force: true });
  };
}
