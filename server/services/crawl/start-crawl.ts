import { and, eq, inArray } from 'drizzle-orm';
import { jobs, sources } from '../../../db/schema';
import type { Database } from '../../../db/types';
import { AppError, badRequest, conflict, notFound } from '../../errors';
import type { Dispatch } from '../../schemas/job-events';
import type { CrawlInput } from '../../schemas/knowledge';
import { crawlOptionsSchema } from '../../schemas/knowledge';
import { setJobStatus } from '../jobs/job-progress';
import { createJob, getJob } from '../jobs/jobs';
import { nextRefresh } from '../knowledge/sources';
import type { CrawlJobInput } from './crawl-job';
import { createUrlFilter, normalizeUrl, sourceIdFor } from './url';

const placeholderTitle = (url: string) => {
  const u = new URL(url);
  return `${u.hostname}${u.pathname === '/' ? '' : u.pathname.replace(/\/$/, '')}`;
};

/**
 * Registers a crawl: the source (identified by its canonical start URL) and a
 * queued job, then hands the job to the background executor. One crawl per
 * source runs at a time.
 */
export async function startCrawl(db: Database, dispatch: Dispatch, input: CrawlInput, createdBy?: string | null) {
  const startUrl = normalizeUrl(input.url);
  if (!startUrl) throw badRequest('url: must be an http:// or https:// URL', { field: 'url' });
  // The crawler sends no credentials, and a URL's user name and password would be stored in the source's URL and in every
  // page URL resolved against it, for anyone who can read the knowledge base (and in its exports).
  const { username, password } = new URL(startUrl);
  if (username || password) {
    throw badRequest('url: must not contain a user name or password (user:password@); Archon does not send them and would store them', {
      field: 'url',
    });
  }
  for (const field of ['include', 'exclude'] as const) {
    try {
      createUrlFilter({ startUrl, scope: input.scope, [field]: input[field] });
    } catch (err) {
      throw badRequest(`${field}: ${(err as Error).message}`, { field });
    }
  }
  const sourceId = sourceIdFor(startUrl);
  const options = crawlOptionsSchema.parse(input);
  // Scheduled from this crawl's start: finishing it schedules again, but a crawl that is cancelled or never finishes
  // left a source that said "daily" with no next refresh, so it was never refreshed.
  const schedule = (interval: CrawlInput['refreshInterval']) =>
    interval === undefined ? {} : { refreshInterval: interval, nextRefreshAt: nextRefresh(interval, new Date()) };

  const job = await db.transaction(async (tx) => {
    await tx
      .insert(sources)
      .values({
        id: sourceId,
        kind: 'url',
        url: startUrl,
        title: input.title ?? placeholderTitle(startUrl),
        titleEdited: input.title !== undefined,
        knowledgeType: input.knowledgeType ?? 'technical',
        tags: input.tags ?? [],
        crawlOptions: options,
        refreshInterval: 'off',
        ...schedule(input.refreshInterval),
        createdBy: createdBy ?? null,
      })
      .onConflictDoUpdate({
        target: sources.id,
        set: {
          // `/docs` and `/docs/` are one source: a refresh re-crawls the URL the options were given with, not the other.
          url: startUrl,
          crawlOptions: options,
          ...(input.title !== undefined ? { title: input.title, titleEdited: true } : {}),
          ...(input.knowledgeType !== undefined ? { knowledgeType: input.knowledgeType } : {}),
          ...(input.tags !== undefined ? { tags: input.tags } : {}),
          ...schedule(input.refreshInterval),
          updatedAt: new Date(),
        },
      });
    // Serialises crawl starts per source, so two requests cannot both pass the check below.
    await tx.select({ id: sources.id }).from(sources).where(eq(sources.id, sourceId)).for('no key update');
    const [active] = await tx
      .select({ id: jobs.id })
      .from(jobs)
      .where(and(eq(jobs.sourceId, sourceId), inArray(jobs.status, ['queued', 'running'])));
    if (active)
      throw conflict(`A crawl of this source is already running (job ${active.id}); cancel it or wait for it to finish`, { jobId: active.id });
    const jobInput: CrawlJobInput = { ...input, ...options, startUrl, sourceId };
    return createJob(tx, { kind: 'crawl', sourceId, input: jobInput, createdBy });
  });

  try {
    await dispatch({ name: 'archon/crawl.requested', data: { jobId: job.id }, id: `crawl-requested-${job.id}` });
  } catch (err) {
    await setJobStatus(db, job.id, 'failed', `Could not queue the crawl: ${(err as Error).message}`);
    throw new AppError('SERVICE_UNAVAILABLE', `The background job executor did not accept the crawl: ${(err as Error).message}`);
  }
  return getJob(db, job.id);
}

/**
 * Re-crawls a URL source with the options it was created with: conditional
 * requests skip unchanged pages, unchanged chunks keep their embeddings, and
 * pages that are gone are removed. Title, tags and type stay as people set them.
 */
export async function startRefresh(db: Database, dispatch: Dispatch, sourceId: string, createdBy?: string | null) {
  const job = await db.transaction(async (tx) => {
    const [source] = await tx.select().from(sources).where(eq(sources.id, sourceId)).for('no key update');
    if (!source) throw notFound('Source', sourceId);
    if (source.kind !== 'url' || !source.url) throw badRequest(`Source '${sourceId}' was uploaded, not crawled; upload the files again to update it`);
    const [active] = await tx
      .select({ id: jobs.id })
      .from(jobs)
      .where(and(eq(jobs.sourceId, sourceId), inArray(jobs.status, ['queued', 'running'])));
    if (active) throw conflict(`A crawl of this source is already running (job ${active.id})`, { jobId: active.id });
    // Options stored by another version (an imported archive) may be ones this one refuses: say so, not "internal error".
    const parsed = crawlOptionsSchema.safeParse(source.crawlOptions);
    if (!parsed.success) {
      const why = parsed.error.issues.map((i) => `${i.path.map(String).join('.') || 'options'}: ${i.message}`).join('; ');
      throw badRequest(`Source '${sourceId}' holds crawl options this version cannot use (${why}); crawl ${source.url} again to set them`);
    }
    const options = parsed.data;
    const jobInput: CrawlJobInput = { ...options, url: source.url, startUrl: source.url, sourceId, refresh: true };
    return createJob(tx, { kind: 'refresh', sourceId, input: jobInput, createdBy });
  });
  try {
    await dispatch({ name: 'archon/crawl.requested', data: { jobId: job.id }, id: `crawl-requested-${job.id}` });
  } catch (err) {
    await setJobStatus(db, job.id, 'failed', `Could not queue the refresh: ${(err as Error).message}`);
    throw new AppError('SERVICE_UNAVAILABLE', `The background job executor did not accept the refresh: ${(err as Error).message}`);
  }
  return getJob(db, job.id);
}
