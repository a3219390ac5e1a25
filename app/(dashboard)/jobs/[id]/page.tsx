import type { Metadata } from 'next';
import { notFound } from 'next/navigation';
import { cache } from 'react';
import { isAppError } from '../../../../server/errors';
import { getRuntime } from '../../../../server/runtime/global';
import { uuidSchema } from '../../../../server/schemas/common';
import { getJobView } from '../../../../server/services/jobs/job-views';
import { Page } from '../../../_components/ui/page';
import { requireUser } from '../../../_lib/server/session';
import { jobSubject, KIND_LABELS } from '../format';
import { JobDetail } from './job-detail';

export const dynamic = 'force-dynamic';

type Params = { params: Promise<{ id: string }> };

/**
 * The job, or a 404 for an id that is malformed or unknown. Once per request: the metadata and the page both need
 * it, and on a database a crawl keeps busy a second read kept the streamed metadata pending longer.
 */
const load = cache(async (rawId: string) => {
  const id = uuidSchema.safeParse(rawId);
  if (!id.success) notFound();
  try {
    return await getJobView((await getRuntime()).database.db, id.data);
  } catch (err) {
    if (isAppError(err) && err.code === 'NOT_FOUND') notFound();
    throw err;
  }
});

export async function generateMetadata({ params }: Params): Promise<Metadata> {
  await requireUser();
  const job = await load((await params).id);
  return { title: `${KIND_LABELS[job.kind]} of ${jobSubject(job)}` };
}

export default async function JobPage({ params }: Params) {
  await requireUser();
  const { id } = await params;
  // Checked here so an unknown job answers 404; the page itself loads it through tRPC and follows it live.
  await load(id);
  return (
    <Page>
      <JobDetail id={id} />
    </Page>
  );
}
