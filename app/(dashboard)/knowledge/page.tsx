import { BookOpen, FileUp, Globe, Search } from 'lucide-react';
import type { Metadata } from 'next';
import { EmptyState } from '../../_components/ui/empty-state';
import { Page } from '../../_components/ui/page';
import { PageHeader } from '../../_components/ui/page-header';

export const metadata: Metadata = { title: 'Knowledge' };

const STEPS = [
  { icon: Globe, title: 'Crawl a docs site', text: 'Give a URL; Archon follows links, sitemaps and llms.txt within the scope you set.' },
  { icon: FileUp, title: 'Or upload files', text: 'PDF, Word, Markdown, HTML, text and zip archives become searchable pages.' },
  { icon: Search, title: 'Search it, or let agents', text: 'Hybrid search finds the right section; MCP gives your coding assistant the same.' },
];

/** Placeholder until the sources list lands: the guide an empty knowledge base shows. */
export default function KnowledgePage() {
  return (
    <Page>
      <PageHeader title="Knowledge" description="Documentation your agents can search: crawled sites and uploaded files." />
      <EmptyState
        icon={BookOpen}
        title="No knowledge yet"
        description="Add a first source and it shows up here, with live progress while it is indexed."
      >
        <ol className="mt-8 grid w-full max-w-3xl gap-3 text-left sm:grid-cols-3">
          {STEPS.map(({ icon: Icon, title, text }, i) => (
            <li key={title} className="rounded-lg border border-border bg-surface p-4">
              <div className="flex items-center gap-2 text-sm font-medium">
                <span className="grid size-5 place-items-center rounded-full bg-accent-subtle text-xs text-accent-text">{i + 1}</span>
                <Icon aria-hidden className="size-4 text-muted-foreground" />
                {title}
              </div>
              <p className="mt-1.5 text-sm text-muted-foreground">{text}</p>
            </li>
          ))}
        </ol>
      </EmptyState>
    </Page>
  );
}
