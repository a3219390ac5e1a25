'use client';

import { useMutation, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { toast } from 'sonner';
import { Alert } from '../../../_components/ui/alert';
import { Button } from '../../../_components/ui/button';
import {
  Dialog,
  DialogBody,
  DialogClose,
  DialogContent,
  DialogDescription,
  DialogFooter,
  DialogHeader,
  DialogTitle,
} from '../../../_components/ui/dialog';
import { Field } from '../../../_components/ui/field';
import { Input } from '../../../_components/ui/input';
import { OneTimeSecret } from '../../../_components/ui/one-time-secret';
import { formatDateTime } from '../../../_components/ui/relative-time';
import { Select, SelectContent, SelectItem, SelectTrigger, SelectValue } from '../../../_components/ui/select';
import { describeError, fieldErrorsOf } from '../../../_lib/errors';
import { useTRPC } from '../../../_lib/trpc';
import { INVITABLE, type InvitableRole, ROLES } from './roles';

/**
 * Inviting someone: an email and a role, then the one-time link to send them
 * yourself (Archon sends no email). The token is shown once; the invitation
 * stays listed, without it, until it is accepted, withdrawn or expires.
 */
export function InviteDialog({ open, onOpenChange, origin }: { open: boolean; onOpenChange: (open: boolean) => void; origin: string | null }) {
  return (
    <Dialog open={open} onOpenChange={onOpenChange}>
      <DialogContent size="md" data-testid="invite-dialog">
        {/* Mounted only while the dialog is open: each opening starts empty, and the link leaves memory with the dialog. */}
        <InviteBody origin={origin} />
      </DialogContent>
    </Dialog>
  );
}

function InviteBody({ origin }: { origin: string | null }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [email, setEmail] = useState('');
  const [role, setRole] = useState<InvitableRole>('member');
  const [errors, setErrors] = useState<{ email?: string; role?: string; form?: string }>({});
  const [link, setLink] = useState<{ url: string; email: string; role: InvitableRole; expiresAt: Date } | null>(null);
  const invite = useMutation(trpc.users.invite.mutationOptions());

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (!email.trim()) return setErrors({ email: 'Enter the email address of the person to invite' });
    setErrors({});
    try {
      const { token, invitation } = await invite.mutateAsync({ email: email.trim(), role });
      const base = (origin ?? window.location.origin).replace(/\/+$/, '');
      setLink({
        url: `${base}/accept-invite?token=${encodeURIComponent(token)}`,
        email: invitation.email,
        role: invitation.role as InvitableRole,
        expiresAt: invitation.expiresAt,
      });
      await queryClient.invalidateQueries(trpc.users.invitations.list.pathFilter());
      toast.success(`${invitation.email} invited`);
    } catch (err) {
      const fields = fieldErrorsOf(err);
      setErrors(fields.email || fields.role ? { email: fields.email, role: fields.role } : { form: describeError(err).message });
    }
  }

  return link ? (
    <>
      <DialogHeader>
        <DialogTitle>Send the invitation link</DialogTitle>
        <DialogDescription>
          {link.email} joins as {ROLES[link.role].article} {ROLES[link.role].label.toLowerCase()} by opening it and choosing a password.
        </DialogDescription>
      </DialogHeader>
      <DialogBody className="pb-3">
        <OneTimeSecret
          label="Invitation link"
          value={link.url}
          warning={`Archon sends no email: send this link yourself. It works once, until ${formatDateTime(link.expiresAt)}, and is not shown again.`}
        />
      </DialogBody>
      <DialogFooter>
        <DialogClose asChild>
          <Button variant="primary">Done</Button>
        </DialogClose>
      </DialogFooter>
    </>
  ) : (
    <form onSubmit={submit} noValidate className="contents">
      <DialogHeader>
        <DialogTitle>Invite someone</DialogTitle>
        <DialogDescription>You get a one-time link to send them. They choose their own name and password.</DialogDescription>
      </DialogHeader>
      <DialogBody className="grid gap-4 pb-3">
        {errors.form && <Alert variant="destructive">{errors.form}</Alert>}
        <Field label="Email" required error={errors.email}>
          <Input type="email" value={email} onChange={(e) => setEmail(e.target.value)} autoComplete="off" spellCheck={false} autoFocus />
        </Field>
        <Field label="Role" hint={ROLES[role].description} error={errors.role}>
          <Select value={role} onValueChange={(v) => setRole(v as InvitableRole)}>
            <SelectTrigger>
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
        </Field>
      </DialogBody>
      <DialogFooter>
        <DialogClose asChild>
          <Button>Cancel</Button>
        </DialogClose>
        <Button type="submit" variant="primary" loading={invite.isPending}>
          Create invitation
        </Button>
      </DialogFooter>
    </form>
  );
}
