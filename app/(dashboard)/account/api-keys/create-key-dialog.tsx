'use client';

import { useMutation, useQueryClient } from '@tanstack/react-query';
import Link from 'next/link';
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
import { useSession } from '../../../_lib/session';
import { type RouterOutputs, useTRPC } from '../../../_lib/trpc';
import { ACCESS, type Access, grantable } from './scopes';

type Created = RouterOutputs['auth']['apiKeys']['create'];

const EXPIRY = [
  { value: 'never', label: 'Never', days: null },
  { value: '7', label: 'In 7 days', days: 7 },
  { value: '30', label: 'In 30 days', days: 30 },
  { value: '90', label: 'In 90 days', days: 90 },
  { value: '365', label: 'In a year', days: 365 },
  { value: 'date', label: 'On a date…', days: null },
] as const;
type Expiry = (typeof EXPIRY)[number]['value'];

/** Tomorrow as yyyy-mm-dd, the earliest date the date field offers. */
const tomorrow = () => {
  const d = new Date(Date.now() + 86_400_000);
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
};

function expiryDate(expiry: Expiry, date: string): Date | undefined | 'invalid' {
  if (expiry === 'never') return undefined;
  if (expiry === 'date') {
    // The end of the chosen day, in the browser's time zone.
    const d = date ? new Date(`${date}T23:59:59`) : null;
    return d && !Number.isNaN(d.getTime()) && d.getTime() > Date.now() ? d : 'invalid';
  }
  const days = EXPIRY.find((e) => e.value === expiry)!.days!;
  return new Date(Date.now() + days * 86_400_000);
}

/**
 * Creating a key: name, access (the most the role allows by default, as the
 * API does) and expiry; then the key, once, with a copy button and the
 * warning that only its prefix is ever shown again.
 */
export function CreateKeyDialog({ open, onOpenChange }: { open: boolean; onOpenChange: (open: boolean) => void }) {
  return (
    <Dialog open={open} onOpenChange={onOpenChange}>
      <DialogContent size="md" data-testid="create-key-dialog">
        {/* Mounted only while the dialog is open: each opening starts empty, and the key leaves memory with the dialog. */}
        <CreateKeyBody />
      </DialogContent>
    </Dialog>
  );
}

function CreateKeyBody() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const { can } = useSession();
  const levels = grantable(can);
  const [name, setName] = useState('');
  const [access, setAccess] = useState<Access>(levels.at(-1) ?? 'read');
  const [expiry, setExpiry] = useState<Expiry>('never');
  const [date, setDate] = useState('');
  const [errors, setErrors] = useState<{ name?: string; expiresAt?: string; form?: string }>({});
  const [created, setCreated] = useState<Created | null>(null);
  const create = useMutation(trpc.auth.apiKeys.create.mutationOptions());

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const found: typeof errors = {};
    if (!name.trim()) found.name = 'Give the key a name, such as the machine or tool that uses it';
    const expiresAt = expiryDate(expiry, date);
    // The date field takes years up to 275760; the server keeps them up to 9999.
    if (expiresAt === 'invalid') found.expiresAt = /^\d{5,}-/.test(date) ? 'Choose a date before the year 10000' : 'Choose a date after today';
    setErrors(found);
    if (Object.keys(found).length || expiresAt === 'invalid') return;
    try {
      // The default access is sent explicitly only when it differs from what the server would pick.
      const scopes = access === levels.at(-1) ? undefined : [access];
      const result = await create.mutateAsync({ name: name.trim(), scopes, expiresAt });
      setCreated(result);
      await queryClient.invalidateQueries(trpc.auth.apiKeys.list.pathFilter());
      toast.success(`Key “${result.apiKey.name}” created`);
    } catch (err) {
      const fields = fieldErrorsOf(err);
      setErrors({ name: fields.name, expiresAt: fields.expiresAt, form: fields.name || fields.expiresAt ? undefined : describeError(err).message });
    }
  }

  return created ? (
    <>
      <DialogHeader>
        <DialogTitle>Copy your new key</DialogTitle>
        <DialogDescription>
          “{created.apiKey.name}”, {ACCESS[access].label.toLowerCase()} access
          {created.apiKey.expiresAt ? `, until ${formatDateTime(created.apiKey.expiresAt)}` : ', no expiry'}.
        </DialogDescription>
      </DialogHeader>
      <DialogBody className="grid gap-4 pb-3">
        <OneTimeSecret
          label="API key"
          value={created.key}
          warning="This is the only time the key is shown. Copy it now and keep it somewhere safe; afterwards only its prefix is."
        />
        <div className="grid gap-1.5 text-sm text-muted-foreground">
          <p>
            Send it as{' '}
            <code className="rounded bg-muted px-1 py-0.5 font-mono text-[12.5px] text-foreground">
              Authorization: Bearer {created.apiKey.prefix}_…
            </code>{' '}
            to the tRPC API or the MCP endpoint.
          </p>
          <p>
            <Link href="/connect" className="focus-ring rounded-sm font-medium text-accent-text underline-offset-2 hover:underline">
              Connect a coding assistant
            </Link>{' '}
            shows the setup for each client.
          </p>
        </div>
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
        <DialogTitle>Create an API key</DialogTitle>
        <DialogDescription>For a script, a tRPC client or an MCP client. It acts as you, never with more than your role allows.</DialogDescription>
      </DialogHeader>
      <DialogBody className="grid gap-4 pb-3">
        {errors.form && <Alert variant="destructive">{errors.form}</Alert>}
        <Field label="Name" required hint="Where the key is used, so you recognise it in the list." error={errors.name}>
          <Input value={name} onChange={(e) => setName(e.target.value)} maxLength={100} placeholder="CI on build-server" autoFocus />
        </Field>
        <Field label="Access" hint={ACCESS[access].description}>
          <Select value={access} onValueChange={(v) => setAccess(v as Access)}>
            <SelectTrigger>
              <SelectValue />
            </SelectTrigger>
            <SelectContent>
              {levels.map((level) => (
                <SelectItem key={level} value={level}>
                  {ACCESS[level].label}
                </SelectItem>
              ))}
            </SelectContent>
          </Select>
        </Field>
        <div className="grid gap-4 sm:grid-cols-2">
          <Field label="Expires" error={expiry === 'date' ? undefined : errors.expiresAt}>
            <Select value={expiry} onValueChange={(v) => setExpiry(v as Expiry)}>
              <SelectTrigger>
                <SelectValue />
              </SelectTrigger>
              <SelectContent>
                {EXPIRY.map((e) => (
                  <SelectItem key={e.value} value={e.value}>
                    {e.label}
                  </SelectItem>
                ))}
              </SelectContent>
            </Select>
          </Field>
          {expiry === 'date' && (
            <Field label="Expiry date" error={errors.expiresAt}>
              <Input type="date" value={date} min={tomorrow()} max="9999-12-31" onChange={(e) => setDate(e.target.value)} />
            </Field>
          )}
        </div>
      </DialogBody>
      <DialogFooter>
        <DialogClose asChild>
          <Button>Cancel</Button>
        </DialogClose>
        <Button type="submit" variant="primary" loading={create.isPending}>
          Create key
        </Button>
      </DialogFooter>
    </form>
  );
}
