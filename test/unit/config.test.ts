import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../server/config';

describe('configuration', () => {
  it('has working defaults for the embedded mode', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      HOST: '127.0.0.1',
      PORT: 3737,
      ARCHON_DATA_DIR: './.data',
      EMBEDDING_DIMENSIONS: 1536,
      NODE_ENV: 'production',
    });
    expect(config.DATABASE_URL).toBeUndefined();
  });

  it('treats empty variables as unset and coerces numbers', () => {
    const config = loadConfig({ DATABASE_URL: '  ', PORT: '8080', EMBEDDING_DIMENSIONS: '768' });
    expect(config.DATABASE_URL).toBeUndefined();
    expect(config.PORT).toBe(8080);
    expect(config.EMBEDDING_DIMENSIONS).toBe(768);
  });

  it('names every bad variable in one error', () => {
    let error: unknown;
    try {
      loadConfig({ PORT: 'eighty', DATABASE_URL: 'mysql://x', EMBEDDING_DIMENSIONS: '99999', LOG_LEVEL: 'loud' });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems.map((p) => p.variable).sort();
    expect(problems).toEqual(['DATABASE_URL', 'EMBEDDING_DIMENSIONS', 'LOG_LEVEL', 'PORT']);
    expect((error as Error).message).toMatch(/DATABASE_URL: must be a postgres:\/\/ or postgresql:\/\/ URL/);
    expect((error as Error).message).toMatch(/EMBEDDING_DIMENSIONS: .*4000/);
  });

  it('rejects a fractional port and a zero dimension', () => {
    expect(() => loadConfig({ PORT: '80.5' })).toThrow(/PORT/);
    expect(() => loadConfig({ EMBEDDING_DIMENSIONS: '0' })).toThrow(/EMBEDDING_DIMENSIONS/);
  });
});
