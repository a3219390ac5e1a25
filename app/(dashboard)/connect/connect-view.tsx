'use client';

import { useMutation, useQueryClient } from '@tanstack/react-query';
import { CircleCheck, CircleX, FileCode2, KeyRound, PlugZap, Terminal } from 'lucide-react';
import Link from 'next/link';
import { useState, useSyncExternalStore } from 'react';
import { Alert } from '../../_components/ui/alert';
import { Badge } from '../../_components/ui/badge';
import { Button } from '../../_components/ui/button';
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from '../../_components/ui/card';
import { CodeBlock } from '../../_components/ui/code-block';
import { CopyButton } from '../../_components/ui/copy-button';
import { Field } from '../../_components/ui/field';
import { Input } from '../../_components/ui/input';
import { Tabs, TabsContent, TabsList, TabsTrigger } from '../../_components/ui/tabs';
import { toastError } from '../../_lib/errors';
import { useSession } from '../../_lib/session';
import { useTRPC } from '../../_lib/trpc';
import { checkMcpEndpoint, type McpCheck } from './mcp-check';
import { AGENT_RULES, CLIENTS, type ClientId, KEY_PLACEHOLDER, mcpUrl, snippetFor, type Transport } from './snippets';

export type ToolInfo = { name: string; access: 'read' | 'write' | 'admin' };

const KEY_SHAPE = /^ak_[0-9a-f]{12}_[A-Za-z0-9_-]{43}$/;
const noSubscribe = () => () => {};

/**
 * The MCP page: the endpoint, a key made for the purpose (read and write,
 * shown once and filled into every snippet), the setup for each client over
 * HTTP and over stdio, the agent rules, and a live check of the endpoint with
 * the key.
 */
export function ConnectView({
  publicUrl,
  serverOrigin,
  archonPath,
  tools,
}: {
  /** ARCHON_PUBLIC_URL, which wins over the browser's origin. */
  publicUrl: string | null;
  /** The origin the server saw the page requested at, until the browser's own is known. */
  serverOrigin: string;
  /** This server's checkout, for the stdio commands (editable: the assistant may run elsewhere). */
  archonPath: string;
  /** The tools a key of the caller's role can see, by access. */
  tools: ToolInfo[];
}) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const { can } = useSession();
  const browserOrigin = useSyncExternalStore(
    noSubscribe,
    () => window.location.origin,
    () => serverOrigin,
  );
  const origin = (publicUrl ?? browserOrigin).replace(/\/+$/, '');
  const [client, setClient] = useState<ClientId>('claude-code');
  const [transport, setTransport] = useState<Transport>('http');
  const [path, setPath] = useState(archonPath);
  const [apiKey, setApiKey] = useState('');
  const [created, setCreated] = useState<{ name: string; prefix: string } | null>(null);
  const [check, setCheck] = useState<McpCheck | null>(null);
  const [checking, setChecking] = useState(false);
  const create = useMutation(trpc.auth.apiKeys.create.mutationOptions());

  const clientLabel = CLIENTS.find((c) => c.id === client)!.label;
  const key = apiKey.trim();
  const keyProblem =
    key && !KEY_SHAPE.test(key) ? 'This does not look like an Archon key (ak_ followed by 12 hex digits, _ and 43 characters).' : undefined;
  const params = { origin, apiKey: key && !keyProblem ? key : KEY_PLACEHOLDER, archonPath: path.trim() || '/path/to/archon' };
  const url = mcpUrl(origin);

  async function createKey() {
    try {
      const name = `MCP – ${clientLabel}`;
      const result = await create.mutateAsync({ name, scopes: can('write') ? ['read', 'write'] : ['read'] });
      setApiKey(result.key);
      setCreated({ name, prefix: result.apiKey.prefix });
      setCheck(null);
      await queryClient.invalidateQueries(trpc.auth.apiKeys.list.pathFilter());
    } catch (err) {
      toastError(err, 'Could not create the key');
    }
  }

  async function runCheck() {
    setChecking(true);
    setCheck(null);
    try {
      setCheck(await checkMcpEndpoint(key));
    } finally {
      setChecking(false);
    }
  }

  const byAccess = (a: ToolInfo['access']) => tools.filter((t) => t.access === a).length;

  return (
    // One column of minmax(0, 1fr): a wide code block or tab list scrolls inside its card instead of widening the page.
    <div className="grid grid-cols-1 gap-5">
      <Card aria-labelledby="endpoint-title">
        <CardHeader>
          <div>
            <CardTitle id="endpoint-title">Endpoint</CardTitle>
            <CardDescription>
              Streamable HTTP on Archon's own address, or stdio with <code className="font-mono text-[13px]">archon mcp</code>. Each client needs an
              API key; a key sees only the tools its access allows.
            </CardDescription>
          </div>
        </CardHeader>
        <CardContent className="grid grid-cols-1 gap-5">
          <div className="flex items-center gap-2 rounded-lg border border-border bg-muted/40 py-1.5 pl-3 pr-1.5">
            <Badge variant="accent">HTTP</Badge>
            <code className="min-w-0 flex-1 truncate font-mono text-[13px]" data-testid="mcp-url">
              {url}
            </code>
            <CopyButton value={url} label="Copy the endpoint URL" />
          </div>
          <div className="grid grid-cols-1 gap-3 border-t border-border pt-5">
            <Field
              label="API key for the setup below"
              error={keyProblem}
              hint={
                created ? undefined : (
                  <>
                    Create one here (read and write access, named after the client), or paste a key from{' '}
                    <Link href="/account/api-keys" className="focus-ring rounded-sm font-medium text-accent-text underline-offset-2 hover:underline">
                      API keys
                    </Link>
                    .
                  </>
                )
              }
            >
              <div className="flex flex-col gap-2 sm:flex-row">
                <Input
                  value={apiKey}
                  onChange={(e) => {
                    setApiKey(e.target.value);
                    setCreated(null);
                    setCheck(null);
                  }}
                  placeholder="ak_…"
                  spellCheck={false}
                  autoComplete="off"
                  className="font-mono text-[13px]"
                  data-testid="mcp-key"
                />
                <Button variant="primary" onClick={() => void createKey()} loading={create.isPending} className="shrink-0">
                  <KeyRound aria-hidden /> Create a key for {clientLabel}
                </Button>
              </div>
            </Field>
            {created && (
              <Alert variant="warning" title={`Key “${created.name}” created`} data-testid="mcp-key-created">
                It is filled into every snippet below and shown only now: copy the setup you need before leaving this page. Revoke it any time under
                API keys ({created.prefix}_…).
              </Alert>
            )}
          </div>
        </CardContent>
      </Card>

      <Card aria-labelledby="setup-title">
        <CardHeader>
          <div>
            <CardTitle id="setup-title">Set up your assistant</CardTitle>
            <CardDescription>Copy the command or the configuration for your client, then restart it or reload its MCP servers.</CardDescription>
          </div>
        </CardHeader>
        <CardContent>
          <Tabs value={client} onValueChange={(v) => setClient(v as ClientId)}>
            <TabsList aria-label="MCP client" className="overflow-x-auto">
              {CLIENTS.map((c) => (
                <TabsTrigger key={c.id} value={c.id}>
                  {c.label}
                </TabsTrigger>
              ))}
            </TabsList>
            {CLIENTS.map((c) => (
              <TabsContent key={c.id} value={c.id} data-testid={`setup-${c.id}`}>
                <Tabs value={transport} onValueChange={(v) => setTransport(v as Transport)}>
                  <TabsList variant="segmented" aria-label={`Transport for ${c.label}`}>
                    <TabsTrigger value="http">HTTP</TabsTrigger>
                    <TabsTrigger value="stdio">stdio</TabsTrigger>
                  </TabsList>
                  {(['http', 'stdio'] as const).map((t) => {
                    const snippet = snippetFor(c.id, t, params);
                    return (
                      <TabsContent key={t} value={t} className="mt-3 grid grid-cols-1 gap-3" data-testid={`snippet-${c.id}-${t}`}>
                        <p className="flex items-center gap-1.5 text-sm text-muted-foreground">
                          {snippet.where === 'Terminal' ? <Terminal aria-hidden className="size-4" /> : <FileCode2 aria-hidden className="size-4" />}
                          {snippet.where === 'Terminal' ? (
                            'Run in a terminal'
                          ) : (
                            <code className="font-mono text-[13px] text-foreground">{snippet.where}</code>
                          )}
                        </p>
                        <CodeBlock
                          code={snippet.code}
                          language={snippet.language}
                          label={`Copy the ${c.label} setup`}
                          // Long commands wrap on screen (copied as one line), clear of the copy button.
                          className="[&_pre]:w-auto [&_pre]:whitespace-pre-wrap [&_pre]:pr-12 [&_pre]:[overflow-wrap:anywhere]"
                        />
                        {snippet.note && <p className="text-sm text-muted-foreground">{snippet.note}</p>}
                        {t === 'stdio' && (
                          <div className="grid grid-cols-1 gap-3 rounded-lg border border-border bg-muted/30 p-3 text-sm">
                            <p className="text-muted-foreground">
                              <code className="font-mono text-[13px] text-foreground">archon mcp</code> runs from an Archon checkout on the machine
                              the assistant runs on and calls this server with the key, so it works next to a running server. Without{' '}
                              <code className="font-mono text-[13px]">ARCHON_URL</code> it opens the local database instead.
                            </p>
                            <Field
                              label="Path of the Archon checkout"
                              hint="This server's own is filled in; change it if the assistant runs elsewhere."
                            >
                              <Input value={path} onChange={(e) => setPath(e.target.value)} spellCheck={false} className="font-mono text-[13px]" />
                            </Field>
                          </div>
                        )}
                      </TabsContent>
                    );
                  })}
                </Tabs>
              </TabsContent>
            ))}
          </Tabs>
          {params.apiKey === KEY_PLACEHOLDER && (
            <p className="mt-3 text-sm text-muted-foreground">
              Replace <code className="font-mono text-[13px] text-foreground">{KEY_PLACEHOLDER}</code> with a key, or create one above and it is
              filled in.
            </p>
          )}
        </CardContent>
      </Card>

      <Card aria-labelledby="rules-title">
        <CardHeader>
          <div>
            <CardTitle id="rules-title">Agent rules</CardTitle>
            <CardDescription>
              Paste into <code className="font-mono text-[13px]">CLAUDE.md</code>, <code className="font-mono text-[13px]">AGENTS.md</code> or your
              client's rules file, so the assistant researches with Archon before coding and works the task board.
            </CardDescription>
          </div>
          <CopyButton value={AGENT_RULES} label="Copy the agent rules" variant="secondary" size="sm">
            Copy rules
          </CopyButton>
        </CardHeader>
        <CardContent>
          <CodeBlock code={AGENT_RULES} language="markdown" label="Copy the agent rules" />
        </CardContent>
      </Card>

      <Card aria-labelledby="check-title">
        <CardHeader>
          <div>
            <CardTitle id="check-title">Test the endpoint</CardTitle>
            <CardDescription>
              Starts an MCP session with the key above, lists its tools and ends the session, as a client does. Your role gives a key up to{' '}
              {tools.length} tools ({byAccess('read')} to read{byAccess('write') ? `, ${byAccess('write')} to write` : ''}
              {byAccess('admin') ? `, ${byAccess('admin')} for admins` : ''}).
            </CardDescription>
          </div>
          <Button onClick={() => void runCheck()} loading={checking} disabled={!key || Boolean(keyProblem)} className="shrink-0">
            <PlugZap aria-hidden /> Test
          </Button>
        </CardHeader>
        <CardContent>
          <div aria-live="polite" data-testid="mcp-check" data-ok={check ? String(check.ok) : undefined}>
            {!check && !checking && <p className="text-sm text-muted-foreground">{key ? 'Ready to test.' : 'Enter or create a key above first.'}</p>}
            {check?.ok && (
              <div className="grid gap-3">
                <p className="flex items-center gap-2 text-sm">
                  <CircleCheck aria-hidden className="size-4 text-success-text" />
                  <span>
                    <span className="font-medium">Connected</span> to {check.server} in {check.ms} ms:{' '}
                    <span data-testid="mcp-tool-count">{check.tools.length}</span> tools for this key.
                  </span>
                </p>
                <ul className="flex flex-wrap gap-1.5" aria-label="Tools">
                  {check.tools.map((t) => (
                    <li key={t}>
                      <Badge variant="outline" className="font-mono">
                        {t}
                      </Badge>
                    </li>
                  ))}
                </ul>
              </div>
            )}
            {check && !check.ok && (
              <p className="flex items-start gap-2 text-sm">
                <CircleX aria-hidden className="mt-0.5 size-4 shrink-0 text-destructive-text" />
                <span>
                  <span className="font-medium">Refused{check.status ? ` (HTTP ${check.status})` : ''}:</span> {check.message}
                </span>
              </p>
            )}
          </div>
        </CardContent>
      </Card>
    </div>
  );
}
