import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import postgres from 'postgres';
import type { TestProject } from 'vitest/node';
import { openDatabase } from '../db';
import { TEST_DIMENSIONS } from './helpers/constants';

declare module 'vitest' {
  export interface ProvidedContext {
    pgliteTemplate: string;
    /** The PostgreSQL template database's name; set only with TEST_DATABASE_URL. */
    serverTemplate: string;
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
  // Named per run, so two runs against one server do not drop each other's template.
  const template = `archon_test_template_${process.pid}_${randomBytes(4).toString('hex')}`;
  const dropTemplate = async () => {
    const admin = postgres(serverUrl!, { max: 1, onnotice: () => {} });
    await admin.unsafe(`DROP DATABASE IF EXISTS ${template} WITH (FORCE)`);
    await admin.end();
  };
  if (serverUrl) {
    const admin = postgres(serverUrl, { max: 1, onnotice: () => {} });
    await admin.unsafe(`CREATE DATABASE ${template}`);
    await admin.end();
    try {
      const handle = await openDatabase({ url: withDatabase(serverUrl, template), dataDir: null, embeddingDimensions: TEST_DIMENSIONS });
      await handle.close();
    } catch (err) {
      await dropTemplate();
      throw err;
    }
    project.provide('serverTemplate', template);
  }

  return async () => {
    fs.rmSync(file, { force: true });
    if (serverUrl) await dropTemplate();
  };
}
