import { Cable } from 'lucide-react';
import type { Metadata } from 'next';
import { EmptyState } from '../../_components/ui/empty-state';
import { Page } from '../../_components/ui/page';
import { PageHeader } from '../../_components/ui/page-header';

export const metadata: Metadata = { title: 'MCP' };

export default function McpPage() {
  return (
    <Page>
      <PageHeader title="MCP" description="Give coding assistants your knowledge base and tasks over the Model Context Protocol." />
      <EmptyState
        icon={Cable}
        title="Connect an assistant"
        description="Copy-paste setup for Claude Code, Cursor, Windsurf, VS Code, Codex and Gemini CLI will appear here, filled in with a new key."
      />
    </Page>
  );
}
