import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jobLogText } from '../helpers/job-stream';
import { htmlLinks, htmlPage, type LoopbackSite, serveLoopback } from '../helpers/loopback-site';
import { createTestRuntime, jobSettled, type TestRuntime } from '../helpers/runtime';

// A step that fails on a database error, through the local runner's retries to the function's onFailure: what the
// job records is the database's message, not drizzle's "Failed query: <SQL> params: <the batch's page text>".

let rt: TestRuntime;
let site: LoopbackSite;

beforeAll(async () => {
  site = await serveLoopback((req, res) => {
    const pages: Record<string, string> = {
      '/docs/': htmlPage('Docs home', `Start here. ${htmlLinks('/docs/boom')}`),
      '/docs/boom': htmlPage('Boom page', `A secret-looking sentence ${'that only this page holds. '.repeat(20)}`),
    };
    const body = pages[req.url ?? ''];
    if (!body) return void res.writeHead(404).end();
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(body);
  });
  rt = await createTestRuntime({ runner: true, env: { CRAWL_ALLOWED_HOSTS: site.host, EMBEDDING_DIMENSIONS: '64' } });
  // The database refuses one page, as it would a value past one of its limits.
  await rt.database.db.execute(sql`create function refuse_boom() returns trigger language plpgsql as $$
    begin if new.title like '%Boom%' then raise exception 'refused by a test trigger'; end if; return new; end $$`);
  await rt.database.db.execute(sql`create trigger refuse_boom before insert on pages for each row execute function refuse_boom()`);
});
afterAll(async () => {
  await rt?.database.db.execute(sql`drop trigger if exists refuse_boom on pages; drop function if exists refuse_boom()`).catch(() => {});
  await rt?.close();
  await site?.close();
});

describe('a crawl batch that fails on a database error', () => {
  it("records the database's message for its URLs, without the statement or the page text it carried", async () => {
    const job = await jobSettled(
      rt,
      (await rt.caller.knowledge.crawl({ url: `${site.base}/docs/`, mode: 'recursive', maxDepth: 3, respectRobots: false, concurrency: 1 })).id,
      120_000,
    );
    const log = await jobLogText(rt.database.db, job.id);
    expect(log).toMatch(/URL\(s\) failed after retries: A database statement failed: refused by a test trigger/);
    expect(log).not.toMatch(/Failed query|params:|secret-looking/);
    expect(`${job.error ?? ''}`).not.toMatch(/Failed query|params:|secret-looking/);
  });
});
