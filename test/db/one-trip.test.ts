// Statements sent with their values written in as literals, and settings local to one statement.
import { type SQL, sql } from 'drizzle-orm';
import { PgDialect } from 'drizzle-orm/pg-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inlineQuery, localSettings, queryWithSettings, sqlLiteral } from '../../db/one-trip';
import { chunks } from '../../db/schema';
import { queryRows } from '../../db/sql';
import type { DatabaseHandle } from '../../db/types';
import { createTestDatabase } from '../helpers/db';

let handle: DatabaseHandle;
beforeAll(async () => {
  handle = await createTestDatabase();
});
afterAll(async () => {
  await handle?.close();
});
const db = () => handle.db;

const NASTY = [
  '',
  "it's",
  "'; drop table chunks; --",
  'back\\slash',
  "\\'; select 1; --",
  "E'\\x41'",
  '$1 and $2',
  '$$ dollar $$',
  '-- not a comment',
  '/* not a comment */',
  'naïve café 日本語 🙂',
  'tab\tnew\nline\r',
  'a'.repeat(20_000),
];

describe('sqlLiteral', () => {
  it('writes numbers so that no neighbouring character can change them', () => {
    expect(sqlLiteral(42)).toBe('42');
    expect(sqlLiteral(0.25)).toBe('0.25');
    expect(sqlLiteral(-1)).toBe('(-1)');
    expect(sqlLiteral(-0)).toBe('(0)');
    expect(sqlLiteral(Number.NaN)).toBe("'NaN'");
    expect(sqlLiteral(Number.POSITIVE_INFINITY)).toBe("'Infinity'");
    expect(sqlLiteral(-12n)).toBe('(-12)');
    expect(sqlLiteral(null)).toBe('null');
    expect(sqlLiteral(true)).toBe('true');
    expect(sqlLiteral(new Date('2026-11-25T01:02:03.004Z'))).toBe("'2026-11-25T01:02:03.004Z'");
  });

  it('refuses what a query string cannot carry', () => {
    expect(() => sqlLiteral('a\0b')).toThrow(/NUL/);
    expect(() => sqlLiteral({ a: 1 })).toThrow(/object/);
  });

  it.each(['on', 'off'])('reads back every string and number as given, with standard_conforming_strings %s', async (conforming) => {
    const values = [...NASTY, 'x', 7, -3, 1.5e-7, -0.5, 123456789012345];
    await db().transaction(async (tx) => {
      await tx.execute(sql.raw(`set local standard_conforming_strings = ${conforming}`));
      for (const value of values) {
        const cast = typeof value === 'number' ? 'float8' : 'text';
        const [row] = await queryRows<{ v: unknown }>(tx as never, sql.raw(`select ${sqlLiteral(value)}::${cast} as v`));
        expect(row!.v).toBe(value);
      }
    });
  });
});

describe('queryWithSettings', () => {
  it('inlines parameters, so a value can never become SQL', async () => {
    for (const value of NASTY) {
      const rows = await queryWithSettings<{ v: string; n: number }>(
        db(),
        localSettings({ work_mem: '8MB' }),
        sql`select ${value}::text as v, ${-2}::int - ${-3}::int as n`,
      );
      expect(rows).toEqual([{ v: value, n: 1 }]);
    }
    expect(inlineQuery(sql`select ${"it's"} as a, ${-1}::int as b`)).toBe("select 'it''s' as a, (-1)::int as b");
    // A placeholder written into the statement's own text would be read as a parameter: refused.
    expect(() => inlineQuery(sql`select ${1} as a, ${sql.raw("'$2'")} as b`)).toThrow(/\$2 in a statement with 1 parameter/);
  });

  it('writes a statement as drizzle places its parameters, values in as literals', () => {
    const dialect = new PgDialect();
    // What drizzle builds, each $n replaced by its value's literal.
    const viaDrizzle = (query: SQL) => {
      const { sql: text, params } = dialect.sqlToQuery(query);
      return text.replace(/\$(\d+)/g, (_, n: string) => sqlLiteral(params[Number(n) - 1]));
    };
    const when = new Date('2026-12-05T23:00:00Z');
    const nested = sql.join(
      NASTY.map((v) => sql`${v}::text`),
      sql`, `,
    );
    const upper = { mapToDriverValue: (v: unknown) => String(v).toUpperCase() };
    const statements = [
      sql`select ${1}, ${-2.5}, ${0}, ${12n}, ${true}, ${null}, ${when}, ${undefined} as x`,
      sql`select id from chunks where source_id in ${['a', "b'c", 'd\\e']} and k = any(${sql.raw("'{1}'::int[]")}) and (${nested}) is not null`,
      sql`select ${sql`${sql`${'deep'}`} || ${sql.raw('$$$$')}`} as d, ${sql.param('p', upper)} as e`,
      sql`${sql.identifier('name"q')}, ${chunks.id} from ${chunks}`,
      sql`select ${'x'}`.inlineParams(),
    ];
    for (const query of statements) expect(inlineQuery(query)).toBe(viaDrizzle(query));
    expect(inlineQuery(statements[2]!)).toBe("select 'deep' || $$$$ as d, 'P' as e");
  });

  it('applies its settings to that statement only, planned after they apply', async () => {
    const settings = localSettings({ enable_seqscan: 'off', work_mem: '7MB', 'hnsw.ef_search': sql`greatest(40, ${123}::int)::text` });
    const [inside] = await queryWithSettings<{ seq: string; mem: string; ef: string }>(
      db(),
      settings,
      sql`select current_setting('enable_seqscan') as seq, current_setting('work_mem') as mem, current_setting('hnsw.ef_search') as ef`,
    );
    expect(inside).toEqual({ seq: 'off', mem: '7MB', ef: '123' });
    // The planner saw the setting: a sequential scan is marked disabled (priced out before PostgreSQL 18) although it is the only way.
    const plan = await queryWithSettings<{ 'QUERY PLAN': string }>(db(), settings, sql`explain select * from pg_class`);
    expect(plan.map((r) => r['QUERY PLAN']).join('\n')).toMatch(/Disabled: true|cost=1\d{10}/);
    const [after] = await queryRows<{ seq: string; mem: string }>(
      db(),
      sql`select current_setting('enable_seqscan') as seq, current_setting('work_mem') as mem`,
    );
    expect(after).toEqual({ seq: 'on', mem: expect.not.stringMatching(/^7MB$/) });
  });

  it('rolls the settings back with the statement when it fails, and reports the failure', async () => {
    const failure = await queryWithSettings(db(), localSettings({ work_mem: '9MB' }), sql`select 1 / ${0}::int`).then(
      () => null,
      (err: Error) => err,
    );
    // Either driver's error, or drizzle's wrapper around it.
    expect(`${failure?.message} ${(failure?.cause as Error | undefined)?.message}`).toMatch(/division by zero/);
    const [after] = await queryRows<{ mem: string }>(db(), sql`select current_setting('work_mem') as mem`);
    expect(after!.mem).not.toBe('9MB');
  });
});
