'use client';

import { ChevronRight, ExternalLink, FileText } from 'lucide-react';
import Link from 'next/link';
import { Fragment, type ReactNode } from 'react';
import { Badge } from '../../_components/ui/badge';
import { CodeBlock } from '../../_components/ui/code-block';
import { sectionFragment } from '../../_lib/heading-id';
import type { RouterOutputs } from '../../_lib/trpc';
import { Highlighted, plainText, snippet } from './highlight';
import { ScoreBreakdown, ScoreToggle, useScoreDisclosure } from './score-details';

type DocsResult = RouterOutputs['knowledge']['search'];
export type ChunkHit = Extract<DocsResult, { returnMode: 'chunks' }>['results'][number];
export type PageHit = Extract<DocsResult, { returnMode: 'pages' }>['results'][number];
export type CodeHit = RouterOutputs['knowledge']['searchCode']['results'][number];

/** The page viewer at the section's heading (its id comes from heading-id.ts, as MarkdownView makes it). */
export function viewerHref(pageId: string, headingPath: readonly string[]): string {
  const fragment = sectionFragment(headingPath);
  return `/knowledge/pages/${encodeURIComponent(pageId)}${fragment ? `#${encodeURIComponent(fragment)}` : ''}`;
}

const isWebUrl = (url: string) => /^https?:\/\//i.test(url);

/** Source › section › subsection, the page title left out when the path starts with it. */
function SectionPath({ source, title, path, pattern }: { source: string; title: string; path: readonly string[]; pattern: RegExp | null }) {
  const sections = path.length > 0 && path[0]!.trim().toLowerCase() === title.trim().toLowerCase() ? path.slice(1) : path;
  const items = [source, ...sections];
  return (
    <p className="flex min-w-0 flex-wrap items-center gap-x-1 text-sm text-muted-foreground">
      {items.map((item, i) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: a path can repeat a heading
        <Fragment key={i}>
          {i > 0 && <ChevronRight aria-hidden className="size-3 shrink-0 opacity-60" />}
          <span className={i === 0 ? 'font-medium text-foreground/80' : 'min-w-0 truncate'}>
            {i === 0 ? item : <Highlighted text={plainText(item)} pattern={pattern} />}
          </span>
        </Fragment>
      ))}
    </p>
  );
}

function OriginalLink({ url }: { url: string }) {
  if (!isWebUrl(url)) return <span className="truncate font-mono text-xs text-muted-foreground">{url}</span>;
  return (
    <a
      href={url}
      target="_blank"
      rel="noopener noreferrer nofollow"
      className="focus-ring inline-flex min-w-0 items-center gap-1 rounded-sm font-mono text-xs text-muted-foreground hover:text-foreground hover:underline"
    >
      <span className="truncate">{url}</span>
      <ExternalLink aria-hidden className="size-3 shrink-0" />
      <span className="sr-only">(original page, opens in a new tab)</span>
    </a>
  );
}

function ResultShell({ children, testId }: { children: ReactNode; testId: string }) {
  return (
    <li
      data-testid={testId}
      className="group/result rounded-xl border border-border bg-surface px-5 py-4 shadow-xs transition-colors hover:border-input"
    >
      {children}
    </li>
  );
}

function TitleLink({ href, children }: { href: string; children: ReactNode }) {
  return (
    <h3 className="min-w-0 text-base font-semibold leading-snug">
      <Link
        href={href}
        className="focus-ring rounded-sm text-foreground decoration-accent-text/60 underline-offset-4 hover:text-accent-text hover:underline"
      >
        {children}
      </Link>
    </h3>
  );
}

/** The chunk's text, its own heading line dropped (the section path says it). */
function chunkText(hit: { content: string; headingPath: readonly string[] }): string {
  const heading = hit.headingPath.at(-1);
  let content = hit.content;
  if (heading) {
    const firstLine = content.match(/^\s{0,3}#{1,6}\s+(.*)\n?/);
    if (firstLine && firstLine[1]!.trim() === heading.trim()) content = content.slice(firstLine[0].length);
  }
  return plainText(content);
}

export function ChunkResult({ hit, pattern }: { hit: ChunkHit; pattern: RegExp | null }) {
  const score = useScoreDisclosure();
  const section = hit.headingPath.at(-1);
  return (
    <ResultShell testId="search-result">
      <div className="flex items-start justify-between gap-3">
        <div className="grid min-w-0 gap-1">
          <TitleLink href={viewerHref(hit.pageId, hit.headingPath)}>
            <Highlighted text={hit.pageTitle || hit.pageUrl} pattern={pattern} />
            {section && plainText(section) !== hit.pageTitle && (
              <span className="font-normal text-muted-foreground">
                {' · '}
                <Highlighted text={plainText(section)} pattern={pattern} />
              </span>
            )}
          </TitleLink>
          <SectionPath source={hit.sourceTitle} title={hit.pageTitle} path={hit.headingPath} pattern={pattern} />
        </div>
        <ScoreToggle score={hit.score.rerank ?? hit.score.fused} open={score.open} onToggle={score.toggle} controls={score.id} />
      </div>
      <p data-testid="search-snippet" className="mt-2 text-base leading-relaxed text-foreground/90 [overflow-wrap:anywhere]">
        <Highlighted text={snippet(chunkText(hit), pattern)} pattern={pattern} />
      </p>
      <div className="mt-2 flex min-w-0 items-center gap-3">
        <OriginalLink url={hit.url} />
      </div>
      {score.open && <ScoreBreakdown id={score.id} score={hit.score} />}
    </ResultShell>
  );
}

export function PageResult({ hit, pattern }: { hit: PageHit; pattern: RegExp | null }) {
  const score = useScoreDisclosure();
  return (
    <ResultShell testId="search-result">
      <div className="flex items-start justify-between gap-3">
        <div className="grid min-w-0 gap-1">
          <TitleLink href={viewerHref(hit.pageId, hit.best.headingPath)}>
            <Highlighted text={hit.title || hit.url} pattern={pattern} />
          </TitleLink>
          <SectionPath source={hit.sourceTitle} title={hit.title} path={hit.best.headingPath} pattern={pattern} />
        </div>
        <div className="flex shrink-0 items-center gap-2">
          <Badge variant="outline">
            <FileText aria-hidden />
            {hit.chunkMatches} {hit.chunkMatches === 1 ? 'section' : 'sections'}
          </Badge>
          <ScoreToggle score={hit.score} open={score.open} onToggle={score.toggle} controls={score.id} />
        </div>
      </div>
      <p data-testid="search-snippet" className="mt-2 text-base leading-relaxed text-foreground/90 [overflow-wrap:anywhere]">
        <Highlighted text={snippet(chunkText({ content: hit.best.excerpt, headingPath: hit.best.headingPath }), pattern)} pattern={pattern} />
      </p>
      <div className="mt-2 flex min-w-0 items-center gap-3">
        <OriginalLink url={hit.best.url} />
      </div>
      {score.open && <ScoreBreakdown id={score.id} score={hit.best.score} pageScore={hit.score} chunkMatches={hit.chunkMatches} />}
    </ResultShell>
  );
}

export function CodeResult({ hit, pattern }: { hit: CodeHit; pattern: RegExp | null }) {
  const score = useScoreDisclosure();
  return (
    <ResultShell testId="code-result">
      <div className="flex items-start justify-between gap-3">
        <div className="grid min-w-0 gap-1">
          <div className="flex min-w-0 items-center gap-2">
            <TitleLink href={viewerHref(hit.pageId, hit.headingPath)}>
              <Highlighted text={hit.name || 'Code example'} pattern={pattern} />
            </TitleLink>
            {hit.language && (
              <Badge variant="neutral" className="font-mono">
                {hit.language}
              </Badge>
            )}
          </div>
          <SectionPath
            source={hit.sourceTitle}
            title={hit.pageTitle}
            path={[hit.pageTitle, ...hit.headingPath.slice(1)].filter(Boolean)}
            pattern={pattern}
          />
        </div>
        <ScoreToggle score={hit.score.fused} open={score.open} onToggle={score.toggle} controls={score.id} />
      </div>
      {hit.summary && (
        <p className="mt-2 text-base leading-relaxed text-foreground/90">
          <Highlighted text={snippet(plainText(hit.summary), pattern, 280)} pattern={pattern} />
        </p>
      )}
      <CodeBlock code={hit.code} language={hit.language} label={`Copy ${hit.name || 'code'}`} className="mt-3" maxHeightClass="max-h-80" />
      {score.open && <ScoreBreakdown id={score.id} score={hit.score} />}
    </ResultShell>
  );
}
