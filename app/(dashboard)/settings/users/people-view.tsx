'use client';

import { useQuery } from '@tanstack/react-query';
import { MailPlus, MoreHorizontal, UserRoundCheck, UserRoundX, Users, X } from 'lucide-react';
import { type ReactNode, useState } from 'react';
import { ConfirmDialog } from '../../../_components/ui/alert-dialog';
import { Avatar } from '../../../_components/ui/avatar';
import { Badge } from '../../../_components/ui/badge';
import { Button } from '../../../_components/ui/button';
import { DropdownMenu, DropdownMenuContent, DropdownMenuItem, DropdownMenuTrigger } from '../../../_components/ui/dropdown-menu';
import { EmptyState } from '../../../_components/ui/empty-state';
import { ErrorState } from '../../../_components/ui/error-state';
import { IconButton } from '../../../_components/ui/icon-button';
import { RelativeTime } from '../../../_components/ui/relative-time';
import { Select, SelectContent, SelectItem, SelectTrigger, SelectValue } from '../../../_components/ui/select';
import { TableSkeleton } from '../../../_components/ui/skeleton';
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from '../../../_components/ui/table';
import { useOptimisticMutation } from '../../../_lib/optimistic';
import { useSession } from '../../../_lib/session';
import { type RouterOutputs, useTRPC } from '../../../_lib/trpc';
import { InviteDialog } from './invite-dialog';
import { INVITABLE, type InvitableRole, ROLES } from './roles';

type User = RouterOutputs['users']['list'][number];
type Invitation = RouterOutputs['users']['invitations']['list'][number];

/**
 * People with their roles and status, and the invitations still open. Role
 * changes and enabling apply at once (rolled back with a toast if refused);
 * disabling and withdrawing ask first. The owner's role and status are fixed,
 * and nobody changes their own role here.
 */
export function PeopleView({ origin }: { origin: string | null }) {
  const trpc = useTRPC();
  const me = useSession();
  const [inviting, setInviting] = useState(false);
  const [disabling, setDisabling] = useState<User | null>(null);
  const [withdrawing, setWithdrawing] = useState<Invitation | null>(null);
  const users = useQuery(trpc.users.list.queryOptions());
  const invitations = useQuery(trpc.users.invitations.list.queryOptions());

  const setRole = useOptimisticMutation(trpc.users.setRole.mutationOptions(), {
    filter: trpc.users.list.queryFilter(),
    apply: (list, input) => list.map((u) => (u.id === input.id ? { ...u, role: input.role } : u)),
    success: (user) => `${user.name || user.email} is now ${ROLES[user.role].article} ${ROLES[user.role].label.toLowerCase()}`,
    failure: 'Could not change the role',
  });
  const setDisabled = useOptimisticMutation(trpc.users.setDisabled.mutationOptions(), {
    filter: trpc.users.list.queryFilter(),
    apply: (list, input) => list.map((u) => (u.id === input.id ? { ...u, disabledAt: input.disabled ? new Date() : null } : u)),
    success: (user) => (user.disabledAt ? `${user.email} disabled` : `${user.email} can sign in again`),
    failure: (input) => (input.disabled ? 'Could not disable the account' : 'Could not enable the account'),
  });
  const withdraw = useOptimisticMutation(trpc.users.invitations.revoke.mutationOptions(), {
    filter: trpc.users.invitations.list.queryFilter(),
    apply: (list, input) => list.filter((i) => i.id !== input.id),
    success: (inv) => `Invitation for ${inv.email} withdrawn`,
    failure: 'Could not withdraw the invitation',
  });

  let people: ReactNode;
  if (users.isPending) people = <TableSkeleton rows={3} columns={4} label="Loading people" />;
  else if (users.isError) people = <ErrorState error={users.error} onRetry={() => users.refetch()} />;
  else {
    people = (
      <Table aria-label="People" data-testid="people">
        <TableHeader>
          <TableRow>
            <TableHead>Person</TableHead>
            <TableHead className="w-44">Role</TableHead>
            <TableHead>Status</TableHead>
            <TableHead>Joined</TableHead>
            <TableHead className="w-10">
              <span className="sr-only">Actions</span>
            </TableHead>
          </TableRow>
        </TableHeader>
        <TableBody>
          {users.data.map((u) => {
            const name = u.name || u.email;
            const fixed = u.role === 'owner' || u.id === me.id;
            return (
              <TableRow key={u.id} data-email={u.email}>
                <TableCell>
                  <span className="flex items-center gap-2.5">
                    <Avatar name={name} />
                    <span className="grid min-w-0 leading-tight">
                      <span className="truncate font-medium">
                        {name}
                        {u.id === me.id && <span className="font-normal text-muted-foreground"> (you)</span>}
                      </span>
                      {u.name && <span className="truncate text-xs text-muted-foreground">{u.email}</span>}
                    </span>
                  </span>
                </TableCell>
                <TableCell className="py-1.5">
                  {fixed ? (
                    <Badge
                      variant={u.role === 'owner' ? 'accent' : 'neutral'}
                      title={u.role === 'owner' ? "The owner's role cannot change" : 'Your own role is changed by another admin'}
                    >
                      {ROLES[u.role].label}
                    </Badge>
                  ) : (
                    <Select value={u.role} onValueChange={(role) => setRole.mutate({ id: u.id, role: role as InvitableRole })}>
                      <SelectTrigger aria-label={`Role of ${name}`} className="h-7 w-36">
                        <SelectValue />
                      </SelectTrigger>
                      <SelectContent>
                        {INVITABLE.map((r) => (
                          <SelectItem key={r} value={r}>
                            {ROLES[r].label}
                          </SelectItem>
                        ))}
                      </SelectContent>
                    </Select>
                  )}
                </TableCell>
                <TableCell>
                  {u.disabledAt ? (
                    <Badge variant="destructive" dot>
                      Disabled
                    </Badge>
                  ) : (
                    <Badge variant="success" dot>
                      Active
                    </Badge>
                  )}
                </TableCell>
                <TableCell>
                  <RelativeTime date={u.createdAt} />
                </TableCell>
                <TableCell align="right" className="py-1">
                  {!fixed && (
                    <DropdownMenu>
                      <DropdownMenuTrigger asChild>
                        <IconButton icon={MoreHorizontal} label={`Actions for ${name}`} size="icon-sm" />
                      </DropdownMenuTrigger>
                      <DropdownMenuContent align="end">
                        {u.disabledAt ? (
                          <DropdownMenuItem onSelect={() => setDisabled.mutate({ id: u.id, disabled: false })}>
                            <UserRoundCheck aria-hidden /> Enable account
                          </DropdownMenuItem>
                        ) : (
                          <DropdownMenuItem variant="destructive" onSelect={() => setDisabling(u)}>
                            <UserRoundX aria-hidden /> Disable account…
                          </DropdownMenuItem>
                        )}
                      </DropdownMenuContent>
                    </DropdownMenu>
                  )}
                </TableCell>
              </TableRow>
            );
          })}
        </TableBody>
      </Table>
    );
  }

  let open: ReactNode;
  if (invitations.isPending) open = <TableSkeleton rows={2} columns={4} label="Loading invitations" />;
  else if (invitations.isError) open = <ErrorState compact error={invitations.error} onRetry={() => invitations.refetch()} />;
  else if (invitations.data.length === 0) {
    open = (
      <EmptyState
        icon={MailPlus}
        headingLevel={3}
        className="py-8"
        title="No open invitations"
        description="Invite someone and you get a one-time link to send them. It stays listed here until it is used, withdrawn or expires."
      />
    );
  } else {
    open = (
      <Table aria-label="Open invitations" data-testid="invitations">
        <TableHeader>
          <TableRow>
            <TableHead>Email</TableHead>
            <TableHead>Role</TableHead>
            <TableHead>Invited</TableHead>
            <TableHead>Expires</TableHead>
            <TableHead className="w-10">
              <span className="sr-only">Actions</span>
            </TableHead>
          </TableRow>
        </TableHeader>
        <TableBody>
          {invitations.data.map((i) => (
            <TableRow key={i.id} data-email={i.email}>
              <TableCell className="font-medium">{i.email}</TableCell>
              <TableCell>
                <Badge variant="neutral">{ROLES[i.role as InvitableRole]?.label ?? i.role}</Badge>
              </TableCell>
              <TableCell>
                <RelativeTime date={i.createdAt} />
              </TableCell>
              <TableCell>
                <RelativeTime date={i.expiresAt} />
              </TableCell>
              <TableCell align="right" className="py-1">
                <IconButton icon={X} label={`Withdraw the invitation for ${i.email}`} size="icon-sm" onClick={() => setWithdrawing(i)} />
              </TableCell>
            </TableRow>
          ))}
        </TableBody>
      </Table>
    );
  }

  return (
    <div className="grid gap-8">
      <Section
        id="people-title"
        title="People"
        description="Everyone with an account. A role change or a disabled account applies at once, open connections included."
        action={
          <Button variant="primary" onClick={() => setInviting(true)}>
            <MailPlus aria-hidden /> Invite
          </Button>
        }
      >
        {people}
      </Section>
      <Section
        id="invitations-title"
        title="Open invitations"
        description="Links not used yet. Withdraw one sent to the wrong address, or to someone who should not join any more."
      >
        {open}
      </Section>
      {users.data && users.data.length === 1 && (invitations.data?.length ?? 0) === 0 && (
        <p className="flex items-center gap-2 text-sm text-muted-foreground">
          <Users aria-hidden className="size-4" /> Only you so far. Invite the people you work with.
        </p>
      )}
      <InviteDialog open={inviting} onOpenChange={setInviting} origin={origin} />
      <ConfirmDialog
        open={disabling !== null}
        onOpenChange={(o) => !o && setDisabling(null)}
        title={`Disable ${disabling?.email ?? ''}?`}
        description="Their sessions end and their API keys stop working at once, MCP sessions included. Nothing they made is removed, and you can enable the account again."
        confirmLabel="Disable account"
        destructive
        onConfirm={() => {
          if (disabling) setDisabled.mutate({ id: disabling.id, disabled: true });
        }}
      />
      <ConfirmDialog
        open={withdrawing !== null}
        onOpenChange={(o) => !o && setWithdrawing(null)}
        title={`Withdraw the invitation for ${withdrawing?.email ?? ''}?`}
        description="The link stops working at once. You can invite the same address again later."
        confirmLabel="Withdraw invitation"
        destructive
        onConfirm={() => {
          if (withdrawing) withdraw.mutate({ id: withdrawing.id });
        }}
      />
    </div>
  );
}

/** A titled part of a settings page whose content brings its own frame (a table). */
export function Section({
  id,
  title,
  description,
  action,
  children,
}: {
  id: string;
  title: string;
  description?: ReactNode;
  action?: ReactNode;
  children: ReactNode;
}) {
  return (
    <section aria-labelledby={id} className="grid gap-3">
      <div className="flex items-end justify-between gap-6">
        <div className="min-w-0 flex-1">
          <h2 id={id} className="text-base font-semibold tracking-tight">
            {title}
          </h2>
          {description && <p className="mt-0.5 text-sm text-muted-foreground">{description}</p>}
        </div>
        {action && <div className="shrink-0">{action}</div>}
      </div>
      {children}
    </section>
  );
}
