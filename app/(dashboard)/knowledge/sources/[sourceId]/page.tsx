import type { Metadata } from 'next';
import { notFound } from 'next/navigation';
import { Suspense } from 'react';
import { isAppError } from '../../../../../server/errors';
import { getRuntime } from '../../../../../server/runtime/global';
import { sourceIdSchema } from '../../../../../server/schemas/common';
import { getSource } from '../../../../../server/services/knowledge/sources';
import { Page } from '../../../../_components/ui/page';
import { requireUser } from '../../../../_lib/server/session';
import { SourceDetail } from './source-detail';

export const dynamic = 'force-dynamic';

type Params = { params: Promise<{ sourceId: string }> };

/** The source as the server has it now, or a 404 for an id that names none. */
async function load(raw: string) {
  let decoded = raw;
  try {
    decoded = decodeURIComponent(raw); // ids may hold ':', which a link encodes
  } catch {
    notFound();
  }
  const id = sourceIdSchema.safeParse(decoded);
  if (!id.success) notFound();
  const rt = await getRuntime();
  try {
    return await getSource(rt.database.db, id.data);
  } catch (err) {
    if (isAppError(err) && err.code === 'NOT_FOUND') notFound();
    throw err;
  }
}

export async function generateMetadata({ params }: Params): Promise<Metadata> {
  await requireUser();
  const source = await load((await params).sourceId);
  return { title: source.title };
}

/** One knowledge source: its figures, live job, pages, chunks, code examples, jobs and settings. */
export default async function SourcePage({ params }: Params) {
  await requireUser();
  const source = await load((await params).sourceId);
  return (
    <Page width="wide">
      <Suspense>
        <SourceDetail initial={source} />
      </Suspense>
    </Page>
  );
}
