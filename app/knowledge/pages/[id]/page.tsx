import { headers } from 'next/headers';
import { notFound, redirect } from 'next/navigation';
import { isAppError } from '../../../../server/errors';
import { callerOf } from '../../../../server/http/authorize';
import { getRuntime } from '../../../../server/runtime/global';
import { uuidSchema } from '../../../../server/schemas/common';
import { refusal } from '../../../../server/services/auth/authorize';
import { readPage } from '../../../../server/services/knowledge/pages';
import { MarkdownView } from '../../../markdown-view';

export const dynamic = 'force-dynamic';

const MAX_CHARS = 200_000;

/** One stored page of a knowledge source, rendered from its Markdown. */
export default async function KnowledgePage({ params }: { params: Promise<{ id: string }> }) {
  const rt = await getRuntime();
  const { principal } = await callerOf(rt, await headers());
  if (refusal(principal, 'read', { transport: 'http', mutation: false })) redirect('/login');
  const id = uuidSchema.safeParse((await params).id);
  if (!id.success) notFound();
  let page: Awaited<ReturnType<typeof readPage>>;
  try {
    page = await readPage(rt.database.db, { pageId: id.data, offset: 0, maxChars: MAX_CHARS });
  } catch (err) {
    if (isAppError(err) && err.code === 'NOT_FOUND') notFound();
    throw err;
  }
  const external = /^https?:\/\//i.test(page.url);
  return (
    <main style={{ maxWidth: 860, margin: '2rem auto', padding: '0 1rem', lineHeight: 1.55 }}>
      <p style={{ opacity: 0.7 }}>
        {external ? (
          <a href={page.url} rel="noopener noreferrer nofollow" target="_blank">
            {page.url}
          </a>
        ) : (
          page.url
        )}
      </p>
      <article data-testid="page-content">
        <MarkdownView markdown={page.content} />
      </article>
      {page.notice && <p style={{ opacity: 0.7 }}>{page.notice}</p>}
    </main>
  );
}
