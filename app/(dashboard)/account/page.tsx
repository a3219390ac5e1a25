import { ChevronRight, KeyRound } from 'lucide-react';
import type { Metadata } from 'next';
import Link from 'next/link';
import { Avatar } from '../../_components/ui/avatar';
import { Badge } from '../../_components/ui/badge';
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from '../../_components/ui/card';
import { Page } from '../../_components/ui/page';
import { PageHeader } from '../../_components/ui/page-header';
import { requireUser } from '../../_lib/server/session';

export const metadata: Metadata = { title: 'Account' };

const ROLE = {
  owner: 'Owner: everything, and the role cannot change.',
  admin: 'Admin: everything, including people, keys and settings.',
  member: 'Member: reads and writes knowledge, projects and tasks.',
  viewer: 'Viewer: reads everything, changes nothing.',
} as const;

export default async function AccountPage() {
  const user = await requireUser();
  const name = user.name || user.email || 'Signed in';
  return (
    <Page width="narrow">
      <PageHeader title="Account" description="Who you are signed in as, and what you may do." />
      <div className="grid gap-4">
        <Card>
          <CardHeader>
            <div className="flex items-center gap-3">
              <Avatar name={name} className="size-10 text-sm" />
              <div>
                <CardTitle>{name}</CardTitle>
                <CardDescription>{user.email}</CardDescription>
              </div>
            </div>
            <Badge variant="accent" className="capitalize">
              {user.role}
            </Badge>
          </CardHeader>
          <CardContent>
            <dl className="grid gap-3 border-t border-border pt-4 text-sm sm:grid-cols-[8rem_1fr]">
              <dt className="text-muted-foreground">Role</dt>
              <dd>{ROLE[user.role]}</dd>
              <dt className="text-muted-foreground">Permissions</dt>
              <dd className="flex flex-wrap gap-1.5">
                {user.capabilities.map((c) => (
                  <Badge key={c} variant="outline">
                    {c}
                  </Badge>
                ))}
              </dd>
            </dl>
          </CardContent>
        </Card>
        <Link
          href="/account/api-keys"
          className="focus-ring group flex items-center gap-3 rounded-xl border border-border bg-surface px-5 py-4 shadow-xs transition-colors hover:bg-muted/50"
        >
          <KeyRound aria-hidden className="size-5 text-muted-foreground" />
          <span className="grid flex-1">
            <span className="text-sm font-medium">API keys</span>
            <span className="text-sm text-muted-foreground">For scripts, tRPC clients and MCP clients.</span>
          </span>
          <ChevronRight aria-hidden className="size-4 text-muted-foreground transition-transform group-hover:translate-x-0.5" />
        </Link>
      </div>
    </Page>
  );
}
