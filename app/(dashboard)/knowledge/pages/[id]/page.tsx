import { ExternalLink } from 'lucide-react';
import type { Metadata } from 'next';
import { notFound } from 'next/navigation';
import { isAppError } from '../../../../../server/errors';
import { getRuntime } from '../../../../../server/runtime/global';
import { uuidSchema } from '../../../../../server/schemas/common';
import { readPage } from '../../../../../server/services/knowledge/pages';
import { getSource } from '../../../../../server/services/knowledge/sources';
import { MarkdownView } from '../../../../_components/markdown-view';
import { Alert } from '../../../../_components/ui/alert';
import { Page } from '../../../../_components/ui/page';
import { PageHeader } from '../../../../_components/ui/page-header';
import { requireUser } from '../../../../_lib/server/session';

export const dynamic = 'force-dynamic';

const MAX_CHARS = 200_000;

type Params = { params: Promise<{ id: string }> };

async function load(rawId: string) {
  const id = uuidSchema.safeParse(rawId);
  if (!id.success) notFound();
  const rt = await getRuntime();
  try {
    const page = await readPage(rt.database.db, { pageId: id.data, offset: 0, maxChars: MAX_CHARS });
    const source = await getSource(rt.database.db, page.sourceId).catch(() => null);
    return { page, source };
  } catch (err) {
    if (isAppError(err) && err.code === 'NOT_FOUND') notFound();
    throw err;
  }
}

export async function generateMetadata({ params }: Params): Promise<Metadata> {
  // The title is the page's own, so only for someone allowed to read it.
  await requireUser();
  const { page } = await load((await params).id);
  return { title: page.title || 'Page' };
}

const dateFormat = new Intl.DateTimeFormat('en', { dateStyle: 'medium' });

/**
 * One stored page of a knowledge source, rendered from its Markdown. The
 * content is untrusted (crawled or uploaded): MarkdownView renders no raw HTML
 * and no script URL, and external links open without a referrer or opener.
 */
export default async function KnowledgePage({ params }: Params) {
  await requireUser();
  const { page, source } = await load((await params).id);
  const external = /^https?:\/\//i.test(page.url);
  const title = page.title || page.url;
  // Most pages open with their own H1; the header then carries only the breadcrumbs, so the title is not said twice.
  const opensWithTitle = /^\s*#\s/.test(page.content);
  return (
    <Page width="narrow">
      <PageHeader
        className="mb-4"
        title={opensWithTitle ? undefined : title}
        breadcrumbs={[
          { label: 'Knowledge', href: '/knowledge' },
          { label: source?.title || 'Source', href: source ? `/knowledge/sources/${encodeURIComponent(source.id)}` : undefined },
          { label: title },
        ]}
      />
      <div className="mb-6 flex flex-wrap items-center gap-x-4 gap-y-1 text-sm text-muted-foreground">
        {external ? (
          <a
            href={page.url}
            rel="noopener noreferrer nofollow"
            target="_blank"
            className="focus-ring inline-flex min-w-0 items-center gap-1 rounded-sm text-accent-text underline-offset-2 hover:underline"
          >
            <span className="truncate">{page.url}</span>
            <ExternalLink aria-hidden className="size-3.5 shrink-0" />
            <span className="sr-only">(opens in a new tab)</span>
          </a>
        ) : (
          <span className="truncate font-mono text-[13px]">{page.url}</span>
        )}
        <span>{page.wordCount.toLocaleString('en')} words</span>
        {page.fetchedAt && <span>Fetched {dateFormat.format(page.fetchedAt)}</span>}
      </div>
      <article data-testid="page-content" className="markdown rounded-xl border border-border bg-surface px-6 py-6 shadow-xs sm:px-10 sm:py-8">
        <MarkdownView markdown={page.content} />
      </article>
      {page.notice && (
        <Alert className="mt-4" title="Only part of this page is shown">
          {page.notice}
        </Alert>
      )}
    </Page>
  );
}
