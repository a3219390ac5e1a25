'use client';

import { Eye, EyeOff } from 'lucide-react';
import { type FormEvent, useRef, useState } from 'react';
import { useHydrated } from '../_components/auth/use-hydrated';
import { Alert } from '../_components/ui/alert';
import { Button } from '../_components/ui/button';
import { Field } from '../_components/ui/field';
import { Input } from '../_components/ui/input';

type Problems = { form: string | null; name?: string; password?: string };

const capitalise = (s: string) => (s ? s[0]!.toUpperCase() + s.slice(1) : s);

/**
 * The route answers `{ error: { code, message } }`; a bad field reads
 * "password: …" (several joined by "; "), which goes under that field.
 */
function problemsOf(status: number, message: string): Problems {
  if (status === 400) {
    const out: Problems = { form: null };
    const rest: string[] = [];
    for (const part of message.split('; ')) {
      const m = /^(name|password): (.+)$/.exec(part);
      if (m) out[m[1] as 'name' | 'password'] = capitalise(m[2]!);
      else rest.push(part);
    }
    if (rest.length) out.form = rest.join('; ');
    return out;
  }
  if (status === 404) return { form: 'This invitation is no longer valid: it was used, withdrawn or has expired. Ask for a new one.' };
  if (status === 409) return { form: `${capitalise(message)}. Sign in instead.` };
  if (status === 429) return { form: 'Too many attempts. Wait a few minutes, then try again.' };
  return { form: message || `The server answered ${status}` };
}

/** Joining from an invitation: a name and a password, posted with the token; the server signs the new account in. */
export function AcceptForm({ token, email }: { token: string; email: string }) {
  const [problems, setProblems] = useState<Problems>({ form: null });
  const [busy, setBusy] = useState(false);
  const hydrated = useHydrated();
  const [showPassword, setShowPassword] = useState(false);
  const formRef = useRef<HTMLFormElement>(null);

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const name = String(form.get('name') ?? '').trim();
    const password = String(form.get('password') ?? '');
    if (!password) return settle({ form: null, password: 'Choose a password' });
    setBusy(true);
    setProblems({ form: null });
    let found: Problems;
    try {
      const res = await fetch('/api/auth/accept-invite', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ token, password, ...(name ? { name } : {}) }),
      });
      if (res.ok) {
        // A full load: the dashboard reads the new session on the server.
        window.location.assign('/knowledge');
        return;
      }
      const answer = (await res.json().catch(() => null)) as { error?: { message?: string } } | null;
      found = problemsOf(res.status, answer?.error?.message ?? '');
    } catch {
      found = { form: 'Archon could not be reached. Check your connection, then try again.' };
    }
    settle(found);
  }

  function settle(found: Problems) {
    setProblems(found);
    setBusy(false);
    const target = found.name ? 'name' : found.password ? 'password' : null;
    if (target) formRef.current?.querySelector<HTMLInputElement>(`[name=${target}]`)?.focus();
  }

  return (
    <form ref={formRef} method="post" onSubmit={submit} noValidate className="grid gap-4">
      {problems.form && <Alert variant="destructive">{problems.form}</Alert>}
      <Field label="Email" hint="The address you were invited at.">
        <Input name="email" type="email" value={email} readOnly autoComplete="username" className="bg-muted/50 text-muted-foreground" />
      </Field>
      <Field label="Name" hint="Optional; shown to the people you work with." error={problems.name}>
        <Input name="name" autoComplete="name" maxLength={200} autoFocus />
      </Field>
      <Field label="Password" hint="At least 10 characters. A few unrelated words make a strong one." error={problems.password}>
        <div className="relative">
          <Input name="password" type={showPassword ? 'text' : 'password'} required minLength={10} autoComplete="new-password" className="pr-9" />
          <button
            type="button"
            onClick={() => setShowPassword((v) => !v)}
            aria-pressed={showPassword}
            aria-label="Show password"
            className="focus-ring absolute inset-y-0 right-0 my-auto mr-1 grid size-7 place-items-center rounded-md text-muted-foreground hover:bg-muted hover:text-foreground"
          >
            {showPassword ? <EyeOff aria-hidden className="size-4" /> : <Eye aria-hidden className="size-4" />}
          </button>
        </div>
      </Field>
      <Button type="submit" variant="primary" size="lg" loading={busy} disabled={!hydrated} className="mt-1 w-full">
        Join Archon
      </Button>
    </form>
  );
}
