import { MailX } from 'lucide-react';
import type { Metadata } from 'next';
import Link from 'next/link';
import { getRuntime } from '../../server/runtime/global';
import { findOpenInvitation } from '../../server/services/auth/invitation-lookup';
import { AuthCard } from '../_components/auth/auth-card';
import { Button } from '../_components/ui/button';
import { AcceptForm } from './accept-form';

export const dynamic = 'force-dynamic';
export const metadata: Metadata = { title: 'Join Archon', referrer: 'no-referrer' };

const ROLE = { admin: 'an admin', member: 'a member', viewer: 'a viewer' } as const;

/**
 * The link an admin sends: /accept-invite?token=…. An open invitation shows
 * the address it was made for and asks for a name and a password; anything
 * else (no token, used, withdrawn, expired) says so and leads to sign-in.
 */
export default async function AcceptInvitePage({ searchParams }: { searchParams: Promise<{ token?: string | string[] }> }) {
  const raw = (await searchParams).token;
  const token = (Array.isArray(raw) ? raw[0] : raw)?.trim() ?? '';
  const invitation = token ? await findOpenInvitation((await getRuntime()).database.db, token) : null;
  if (!invitation) {
    return (
      <AuthCard
        title="This invitation cannot be used"
        description={
          token
            ? 'It was already used, withdrawn by an admin, or it has expired (invitations last 7 days).'
            : 'The link is missing its token. Open the whole link you were sent.'
        }
        footer="Ask an admin of this server for a new invitation."
      >
        <div className="flex items-center gap-3">
          <MailX aria-hidden className="size-5 shrink-0 text-muted-foreground" />
          <p className="flex-1 text-sm text-muted-foreground">Already have an account?</p>
          <Button asChild>
            <Link href="/login">Sign in</Link>
          </Button>
        </div>
      </AuthCard>
    );
  }
  const role = ROLE[invitation.role as keyof typeof ROLE] ?? invitation.role;
  return (
    <AuthCard
      title="Join Archon"
      description={`You are invited as ${role}. Choose a password to create your account.`}
      footer={
        <>
          Already have an account?{' '}
          <Link href="/login" className="focus-ring rounded-sm font-medium text-accent-text underline-offset-2 hover:underline">
            Sign in
          </Link>
        </>
      }
    >
      <AcceptForm token={token} email={invitation.email} />
    </AuthCard>
  );
}
