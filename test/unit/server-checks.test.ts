import { describe, expect, it } from 'vitest';
import { redactUrl } from '../../db/errors';
import { checkServer, compareVersions } from '../../db/postgres';

describe('PostgreSQL server checks', () => {
  const ok = { versionNum: 150020, version: '15.20', available: '0.8.0', installed: null };

  it('accepts PostgreSQL 15 with pgvector available', () => {
    expect(() => checkServer(ok)).not.toThrow();
    expect(() => checkServer({ ...ok, versionNum: 180006, installed: '0.8.0' })).not.toThrow();
  });

  it('explains an old server', () => {
    expect(() => checkServer({ ...ok, versionNum: 140011, version: '14.11' })).toThrow(
      /PostgreSQL 14\.11 is too old: Archon needs PostgreSQL 15 or newer/,
    );
  });

  it('explains a missing pgvector', () => {
    expect(() => checkServer({ ...ok, available: null })).toThrow(/pgvector extension is not installed/);
  });

  it('explains an old pgvector, installed or only available', () => {
    expect(() => checkServer({ ...ok, available: '0.4.4' })).toThrow(/pgvector 0\.4\.4 is too old/);
    // 0.6 has HNSW but no halfvec, which the index stores.
    expect(() => checkServer({ ...ok, available: '0.6.2' })).toThrow(/pgvector 0\.6\.2 is too old: Archon needs 0\.7\.0/);
    expect(() => checkServer({ ...ok, available: '0.7.0' })).not.toThrow();
    expect(() => checkServer({ ...ok, installed: '0.4.1', available: '0.8.0' })).toThrow(/ALTER EXTENSION vector UPDATE/);
  });

  it('compares versions numerically', () => {
    expect(compareVersions('0.10.0', '0.5.0')).toBeGreaterThan(0);
    expect(compareVersions('0.5', '0.5.0')).toBe(0);
    expect(compareVersions('0.4.9', '0.5.0')).toBeLessThan(0);
  });

  it('never shows a password', () => {
    expect(redactUrl('postgres://archon:s3cret@db:5432/archon')).toBe('postgres://archon:***@db:5432/archon');
  });
});
