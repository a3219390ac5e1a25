import { randomUUID } from 'node:crypto';
import { InngestTestEngine } from '@inngest/test';
import { describe, expect, it } from 'vitest';
import { crawlPages } from '../../inngest/functions/crawl-pages';
import { crawlStart } from '../../inngest/functions/crawl-start';

/**
 * The crawl functions' control flow, with every `step.run` mocked by id so no
 * database or runtime is touched, and every `step.sendEvent` mocked too
 * (@inngest/test 1.0.0 would otherwise send for real). A fresh engine per test.
 */

type SentEvent = { name: string; data: { jobId: string; urlIds?: number[] }; id?: string };

const sendMock = (id: string) => ({ id, handler: () => ({ ids: [`${id}-mock`] }) });
const MOCK_SENDS = [sendMock('fan-out'), sendMock('finalize')];

/** The sendEvent spy's calls as [stepId, events[]], whatever shape (one event or a list) was passed. */
function sends(ctx: { step: { sendEvent: { mock: { calls: unknown[][] } } } }): [string, SentEvent[]][] {
  return ctx.step.sendEvent.mock.calls.map(([id, payload]) => [id as string, (Array.isArray(payload) ? payload : [payload]) as SentEvent[]]);
}

const range = (from: number, n: number) => Array.from({ length: n }, (_, i) => from + i);

function pagesEngine(jobId: string, urlIds: number[], crawl: { newUrlIds: number[] }, drained: boolean) {
  return new InngestTestEngine({
    function: crawlPages,
    events: [{ name: 'archon/crawl.pages', data: { jobId, urlIds } }],
    steps: [{ id: 'crawl-batch', handler: () => crawl }, { id: 'check-drained', handler: () => drained }, ...MOCK_SENDS],
  });
}

describe('crawl-pages', () => {
  it('fans new URL ids out in batches of 20 with deterministic event ids, and does not finalize while URLs are pending', async () => {
    const jobId = randomUUID();
    const newUrlIds = range(101, 43);
    const { result, error, ctx } = await pagesEngine(jobId, [1, 2, 3], { newUrlIds }, false).execute();
    expect(error).toBeUndefined();
    expect(result).toEqual({ found: 43 });

    const calls = sends(ctx as never);
    expect(calls.map(([id]) => id)).toEqual(['fan-out']);
    const events = calls[0]![1];
    expect(events.map((e) => e.data.urlIds)).toEqual([range(101, 20), range(121, 20), range(141, 3)]);
    expect(events.map((e) => e.id)).toEqual([`crawl-pages-${jobId}-101`, `crawl-pages-${jobId}-121`, `crawl-pages-${jobId}-141`]);
    expect(events.every((e) => e.name === 'archon/crawl.pages' && e.data.jobId === jobId)).toBe(true);
    // Every URL id goes out exactly once.
    expect(events.flatMap((e) => e.data.urlIds)).toEqual(newUrlIds);
    expect(ctx.step.run).toHaveBeenCalledWith('crawl-batch', expect.any(Function));
    expect(ctx.step.run).toHaveBeenCalledWith('check-drained', expect.any(Function));
  });

  it('sends the same event ids when the same batch is replayed, so duplicates are dropped by id', async () => {
    const jobId = randomUUID();
    const ids = async () => {
      const { ctx } = await pagesEngine(jobId, [7], { newUrlIds: [40, 41, 42] }, false).execute();
      return sends(ctx as never).flatMap(([, evs]) => evs.map((e) => e.id));
    };
    const first = await ids();
    expect(first).toEqual([`crawl-pages-${jobId}-40`]);
    expect(await ids()).toEqual(first);
  });

  it('finalizes once the frontier is drained, after fanning out what it found', async () => {
    const jobId = randomUUID();
    const { result, ctx } = await pagesEngine(jobId, [5], { newUrlIds: [6] }, true).execute();
    expect(result).toEqual({ found: 1 });
    const calls = sends(ctx as never);
    expect(calls.map(([id]) => id)).toEqual(['fan-out', 'finalize']);
    expect(calls[1]![1]).toEqual([expect.objectContaining({ name: 'archon/crawl.finalize', data: { jobId }, id: `crawl-finalize-${jobId}` })]);
  });

  it('finalizes without a fan-out when the batch found nothing and nothing is pending', async () => {
    const jobId = randomUUID();
    const { result, ctx } = await pagesEngine(jobId, [5], { newUrlIds: [] }, true).execute();
    expect(result).toEqual({ found: 0 });
    expect(sends(ctx as never).map(([id, evs]) => [id, evs.map((e) => e.id)])).toEqual([['finalize', [`crawl-finalize-${jobId}`]]]);
  });

  it('sends nothing when the batch found nothing but other batches are still pending', async () => {
    const { result, ctx } = await pagesEngine(randomUUID(), [5], { newUrlIds: [] }, false).execute();
    expect(result).toEqual({ found: 0 });
    expect(ctx.step.sendEvent).not.toHaveBeenCalled();
  });

  it('is limited to 2 concurrent runs per job and cancelled by the job.cancelled event', () => {
    const opts = (crawlPages as unknown as { opts: Record<string, unknown> }).opts;
    expect(opts.concurrency).toEqual({ limit: 2, key: 'event.data.jobId' });
    expect(opts.cancelOn).toEqual([expect.objectContaining({ if: 'async.data.jobId == event.data.jobId' })]);
  });
});

function startEngine(jobId: string, batches: number[][]) {
  return new InngestTestEngine({
    function: crawlStart,
    events: [{ name: 'archon/crawl.requested', data: { jobId } }],
    steps: [{ id: 'plan-and-seed', handler: () => ({ batches }) }, ...MOCK_SENDS],
  });
}

describe('crawl-start', () => {
  it('fans the seeded batches out as they were planned, one event per batch', async () => {
    const jobId = randomUUID();
    const batches = [range(1, 10), range(11, 10), [21]];
    const { result, ctx } = await startEngine(jobId, batches).execute();
    expect(result).toEqual({ batches: 3 });
    expect(ctx.step.run).toHaveBeenCalledWith('plan-and-seed', expect.any(Function));
    const calls = sends(ctx as never);
    expect(calls.map(([id]) => id)).toEqual(['fan-out']);
    expect(calls[0]![1].map((e) => [e.name, e.id, e.data])).toEqual([
      ['archon/crawl.pages', `crawl-pages-${jobId}-1`, { jobId, urlIds: range(1, 10) }],
      ['archon/crawl.pages', `crawl-pages-${jobId}-11`, { jobId, urlIds: range(11, 10) }],
      ['archon/crawl.pages', `crawl-pages-${jobId}-21`, { jobId, urlIds: [21] }],
    ]);
  });

  it('sends finalize, and no fan-out, when planning produced no batches', async () => {
    const jobId = randomUUID();
    const { result, ctx } = await startEngine(jobId, []).execute();
    expect(result).toEqual({ batches: 0 });
    const calls = sends(ctx as never);
    expect(calls.map(([id]) => id)).toEqual(['finalize']);
    expect(calls[0]![1]).toEqual([expect.objectContaining({ name: 'archon/crawl.finalize', data: { jobId }, id: `crawl-finalize-${jobId}` })]);
  });
});
