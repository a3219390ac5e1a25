import type { Metadata } from 'next';
import { headers } from 'next/headers';
import { ALL_TOOLS } from '../../../server/mcp/server';
import { getRuntime } from '../../../server/runtime/global';
import { Page } from '../../_components/ui/page';
import { PageHeader } from '../../_components/ui/page-header';
import { requireUser } from '../../_lib/server/session';
import { ConnectView, type ToolInfo } from './connect-view';

export const metadata: Metadata = { title: 'MCP' };

/** The origin this page was requested at, as far as the server can tell (the browser's own replaces it once loaded). */
async function requestOrigin(trustProxy: boolean): Promise<string> {
  const h = await headers();
  const host = (trustProxy && h.get('x-forwarded-host')) || h.get('host') || '127.0.0.1:3737';
  const proto = (trustProxy && h.get('x-forwarded-proto')?.split(',')[0]?.trim()) || 'http';
  return `${proto}://${host}`;
}

export default async function McpPage() {
  const user = await requireUser();
  const { config } = await getRuntime();
  // The tools a key of this role sees in tools/list (server/mcp decides the same way, by capability).
  const tools: ToolInfo[] = ALL_TOOLS.filter((t) => user.capabilities.includes(t.access)).map((t) => ({ name: t.name, access: t.access }));
  return (
    <Page width="narrow">
      <PageHeader title="MCP" description="Give coding assistants your knowledge base and tasks over the Model Context Protocol." />
      <ConnectView
        publicUrl={config.ARCHON_PUBLIC_URL ?? null}
        serverOrigin={await requestOrigin(config.TRUST_PROXY)}
        archonPath={process.cwd()}
        tools={tools}
      />
    </Page>
  );
}
