import { count, desc, eq } from 'drizzle-orm';
import { jobs, sources, users } from '../../../db/schema';
import type { Database } from '../../../db/types';
import { notFound } from '../../errors';
import type { Page } from '../../schemas/common';
import type { ListJobsInput } from '../../schemas/jobs';
import { type InngestDashboard, inngestRunsUrl } from './inngest-dashboard';
import { jobColumns } from './job-progress';
import { jobsWhere } from './jobs';

/** The person who started a job; null when the system did (the refresh scheduler, start-up re-embedding) or the account is gone. */
export type JobStarter = { id: string; name: string; email: string } | null;

const viewColumns = {
  ...jobColumns,
  sourceTitle: sources.title,
  sourceUrl: sources.url,
  starterId: users.id,
  starterName: users.name,
  starterEmail: users.email,
};

const selectViews = (db: Database) =>
  db.select(viewColumns).from(jobs).leftJoin(sources, eq(sources.id, jobs.sourceId)).leftJoin(users, eq(users.id, jobs.createdBy)).$dynamic();

type ViewRow = Awaited<ReturnType<ReturnType<typeof selectViews>['execute']>>[number];

const toView = ({ starterId, starterName, starterEmail, ...row }: ViewRow, dashboard: InngestDashboard | null) => {
  const startedBy: JobStarter = starterId ? { id: starterId, name: starterName ?? '', email: starterEmail ?? '' } : null;
  return { ...row, startedBy, inngestRunsUrl: inngestRunsUrl(dashboard, row.id) };
};

/**
 * A job as the dashboard shows it: the row plus what its ids point at (the
 * source's title and URL, the starter's name), so a list reads "Crawl of React
 * docs, started by Ada" without a query per row, and, when an Inngest server
 * runs the jobs, the link to the job's runs in its dashboard.
 */
export type JobView = ReturnType<typeof toView>;

/** Jobs newest first, filtered as listJobs filters them. */
export async function listJobViews(db: Database, input: ListJobsInput, dashboard: InngestDashboard | null = null): Promise<Page<JobView>> {
  const where = jobsWhere(input);
  const [rows, [total]] = await Promise.all([
    selectViews(db).where(where).orderBy(desc(jobs.createdAt), desc(jobs.id)).limit(input.limit).offset(input.offset),
    db.select({ n: count() }).from(jobs).where(where),
  ]);
  return { items: rows.map((r) => toView(r, dashboard)), total: total?.n ?? 0, limit: input.limit, offset: input.offset };
}

export async function getJobView(db: Database, id: string, dashboard: InngestDashboard | null = null): Promise<JobView> {
  const [row] = await selectViews(db).where(eq(jobs.id, id));
  if (!row) throw notFound('Job', id);
  return toView(row, dashboard);
}
