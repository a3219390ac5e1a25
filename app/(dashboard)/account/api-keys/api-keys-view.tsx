'use client';

import { useQuery } from '@tanstack/react-query';
import { KeyRound, Plus, Trash2 } from 'lucide-react';
import { type ReactNode, useMemo, useState } from 'react';
import { ConfirmDialog } from '../../../_components/ui/alert-dialog';
import { Badge } from '../../../_components/ui/badge';
import { Button } from '../../../_components/ui/button';
import { EmptyState } from '../../../_components/ui/empty-state';
import { ErrorState } from '../../../_components/ui/error-state';
import { Field } from '../../../_components/ui/field';
import { IconButton } from '../../../_components/ui/icon-button';
import { PageHeader } from '../../../_components/ui/page-header';
import { RelativeTime } from '../../../_components/ui/relative-time';
import { TableSkeleton } from '../../../_components/ui/skeleton';
import { Switch } from '../../../_components/ui/switch';
import { SortableHead, Table, TableBody, TableCell, TableHead, TableHeader, TableRow, useSort } from '../../../_components/ui/table';
import { useOptimisticMutation } from '../../../_lib/optimistic';
import { useSession } from '../../../_lib/session';
import { type RouterOutputs, useTRPC } from '../../../_lib/trpc';
import { CreateKeyDialog } from './create-key-dialog';
import { ACCESS, accessOf } from './scopes';

type Key = RouterOutputs['auth']['apiKeys']['list'][number];

const isExpired = (k: Key) => k.expiresAt !== null && new Date(k.expiresAt).getTime() <= Date.now();

/**
 * The signed-in person's API keys (an admin may show everyone's): prefix,
 * access, last use and expiry; create one (shown once) and revoke with a
 * confirmation. A revoked key disappears at once and comes back with a toast
 * if the server refuses.
 */
export function ApiKeysView() {
  const trpc = useTRPC();
  const session = useSession();
  const admin = session.can('admin');
  const [allUsers, setAllUsers] = useState(false);
  const [showRevoked, setShowRevoked] = useState(false);
  const [creating, setCreating] = useState(false);
  const [revoking, setRevoking] = useState<Key | null>(null);
  const keys = useQuery(trpc.auth.apiKeys.list.queryOptions({ allUsers: admin && allUsers }));

  const revoke = useOptimisticMutation(trpc.auth.apiKeys.revoke.mutationOptions(), {
    filter: trpc.auth.apiKeys.list.queryFilter(),
    apply: (list, input) => list.filter((k) => k.id !== input.id),
    success: (key) => `Key “${key.name}” revoked`,
    failure: 'Could not revoke the key',
  });

  const revokedCount = keys.data?.filter((k) => k.revokedAt).length ?? 0;
  const rows = useMemo(() => (keys.data ?? []).filter((k) => showRevoked || !k.revokedAt), [keys.data, showRevoked]);
  const { sorted, sort, setSort } = useSort(
    rows,
    {
      name: (k) => k.name,
      owner: (k) => k.userEmail,
      lastUsed: (k) => (k.lastUsedAt ? new Date(k.lastUsedAt) : null),
      expires: (k) => (k.expiresAt ? new Date(k.expiresAt) : null),
      created: (k) => new Date(k.createdAt),
    },
    null,
  );
  const showOwner = admin && allUsers;

  const createButton = (
    <Button variant="primary" onClick={() => setCreating(true)}>
      <Plus aria-hidden /> Create key
    </Button>
  );

  let body: ReactNode;
  if (keys.isPending) body = <TableSkeleton rows={3} columns={5} label="Loading API keys" />;
  else if (keys.isError) body = <ErrorState error={keys.error} onRetry={() => keys.refetch()} />;
  else if (rows.length === 0) {
    body = (
      <EmptyState
        icon={KeyRound}
        title={revokedCount ? 'No active keys' : 'No API keys yet'}
        description="A key lets a script, a tRPC client or a coding assistant act as you. It is shown once, when you create it; afterwards only its prefix is."
        action={createButton}
      />
    );
  } else {
    body = (
      <Table aria-label="API keys" data-testid="api-keys">
        <TableHeader>
          <TableRow>
            <SortableHead column="name" sort={sort} onSort={setSort}>
              Name
            </SortableHead>
            {showOwner && (
              <SortableHead column="owner" sort={sort} onSort={setSort}>
                Owner
              </SortableHead>
            )}
            <TableHead>Key</TableHead>
            <TableHead>Access</TableHead>
            <SortableHead column="lastUsed" sort={sort} onSort={setSort}>
              Last used
            </SortableHead>
            <SortableHead column="expires" sort={sort} onSort={setSort}>
              Expires
            </SortableHead>
            <SortableHead column="created" sort={sort} onSort={setSort}>
              Created
            </SortableHead>
            <TableHead className="w-10">
              <span className="sr-only">Actions</span>
            </TableHead>
          </TableRow>
        </TableHeader>
        <TableBody>
          {sorted.map((k) => {
            const access = accessOf(k.scopes);
            const expired = isExpired(k);
            return (
              <TableRow key={k.id} data-key-prefix={k.prefix} className={k.revokedAt || expired ? 'text-muted-foreground' : undefined}>
                <TableCell className="font-medium">
                  <span className="flex items-center gap-2">
                    {k.name}
                    {k.revokedAt && <Badge variant="outline">Revoked</Badge>}
                    {!k.revokedAt && expired && <Badge variant="warning">Expired</Badge>}
                  </span>
                </TableCell>
                {showOwner && <TableCell className="text-muted-foreground">{k.userEmail}</TableCell>}
                <TableCell>
                  <code className="font-mono text-[12.5px]">{k.prefix}_…</code>
                </TableCell>
                <TableCell>
                  <Badge variant={access === 'admin' ? 'accent' : 'neutral'} title={ACCESS[access].description}>
                    {ACCESS[access].label}
                  </Badge>
                </TableCell>
                <TableCell>
                  <RelativeTime date={k.lastUsedAt} fallback="Never" />
                </TableCell>
                <TableCell>
                  <RelativeTime date={k.expiresAt} fallback="Never" />
                </TableCell>
                <TableCell>
                  <RelativeTime date={k.createdAt} />
                </TableCell>
                <TableCell align="right" className="py-1">
                  {!k.revokedAt && <IconButton icon={Trash2} label={`Revoke ${k.name}`} size="icon-sm" onClick={() => setRevoking(k)} />}
                </TableCell>
              </TableRow>
            );
          })}
        </TableBody>
      </Table>
    );
  }

  return (
    <>
      <PageHeader
        title="API keys"
        description="Keys let scripts, tRPC clients and MCP clients act as you, never with more rights than your role."
        breadcrumbs={[{ label: 'Account', href: '/account' }, { label: 'API keys' }]}
        actions={rows.length > 0 || keys.isPending ? createButton : undefined}
      />
      {(admin || revokedCount > 0) && (
        <div className="mb-3 flex flex-wrap items-center gap-x-6 gap-y-2">
          {admin && (
            <Field inline label="Everyone's keys">
              <Switch checked={allUsers} onCheckedChange={setAllUsers} />
            </Field>
          )}
          {revokedCount > 0 && (
            <Field inline label={`Show revoked (${revokedCount})`}>
              <Switch checked={showRevoked} onCheckedChange={setShowRevoked} />
            </Field>
          )}
        </div>
      )}
      {body}
      <CreateKeyDialog open={creating} onOpenChange={setCreating} />
      <ConfirmDialog
        open={revoking !== null}
        onOpenChange={(open) => !open && setRevoking(null)}
        title={`Revoke “${revoking?.name ?? ''}”?`}
        description={
          <>
            Anything using <code className="font-mono text-foreground">{revoking?.prefix}_…</code>
            {revoking && showOwner ? ` (${revoking.userEmail})` : ''} is refused from now on, and its open connections and MCP sessions end at once.
            This cannot be undone.
          </>
        }
        confirmLabel="Revoke key"
        destructive
        onConfirm={() => {
          if (revoking) revoke.mutate({ id: revoking.id });
        }}
      />
    </>
  );
}
