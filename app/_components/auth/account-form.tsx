'use client';

import { Eye, EyeOff } from 'lucide-react';
import { type FormEvent, useRef, useState } from 'react';
import { safeNext } from '../../_lib/auth';
import { Alert } from '../ui/alert';
import { Button } from '../ui/button';
import { Field } from '../ui/field';
import { Input } from '../ui/input';
import { useHydrated } from './use-hydrated';

type FieldName = 'name' | 'email' | 'password';
type Problems = { form: string | null; fields: Partial<Record<FieldName, string>> };

const capitalise = (s: string) => (s ? s[0]!.toUpperCase() + s.slice(1) : s);

/**
 * The route answers `{ error: { code, message } }`; a bad field reads
 * "password: Password must be…" (or several, joined by "; "), which becomes a
 * message under that field. Anything else is said above the form.
 */
function problemsOf(status: number, message: string): Problems {
  if (status === 400) {
    const fields: Problems['fields'] = {};
    const rest: string[] = [];
    for (const part of message.split('; ')) {
      const m = /^(name|email|password): (.+)$/.exec(part);
      if (m) fields[m[1] as FieldName] = capitalise(m[2]!);
      else rest.push(part);
    }
    return { form: rest.length ? rest.join('; ') : null, fields };
  }
  if (status === 401) return { form: 'Wrong email or password. Check both and try again.', fields: {} };
  return { form: message || `The server answered ${status}`, fields: {} };
}

/** The owner setup and sign-in form: posts JSON to /api/auth/<mode>; the server sets the session and CSRF cookies. */
export function AccountForm({ mode, next }: { mode: 'setup' | 'login'; next?: string }) {
  const [problems, setProblems] = useState<Problems>({ form: null, fields: {} });
  const [busy, setBusy] = useState(false);
  const hydrated = useHydrated();
  const [showPassword, setShowPassword] = useState(false);
  const formRef = useRef<HTMLFormElement>(null);
  const setup = mode === 'setup';

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setBusy(true);
    setProblems({ form: null, fields: {} });
    const form = new FormData(event.currentTarget);
    const body = Object.fromEntries([...form.entries()].filter(([, v]) => typeof v === 'string' && v !== ''));
    let found: Problems = { form: null, fields: {} };
    // The server checks everything; these only spare a round trip for the obvious.
    if (!body.email) found.fields.email = 'Enter your email address';
    if (!body.password) found.fields.password = setup ? 'Choose a password' : 'Enter your password';
    if (Object.keys(found.fields).length) return settle(found);
    try {
      const res = await fetch(`/api/auth/${mode}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      if (res.ok) {
        // A full load: the dashboard layout reads the new session on the server.
        window.location.assign(mode === 'setup' ? '/knowledge' : safeNext(next));
        return;
      }
      const answer = (await res.json().catch(() => null)) as { error?: { message?: string } } | null;
      found = problemsOf(res.status, answer?.error?.message ?? '');
    } catch {
      found = { form: 'Archon could not be reached. Check that it is running, then try again.', fields: {} };
    }
    settle(found);
  }

  function settle(found: Problems) {
    setProblems(found);
    setBusy(false);
    // Focus goes where the fix is: the first field with a problem, or the password after a wrong one.
    const first = (['name', 'email', 'password'] as const).find((f) => found.fields[f]);
    const target = first ?? (found.form?.startsWith('Wrong email') ? 'password' : null);
    const input = target ? formRef.current?.querySelector<HTMLInputElement>(`[name=${target}]`) : null;
    input?.focus();
    if (target === 'password') input?.select();
  }

  return (
    <form ref={formRef} method="post" onSubmit={submit} noValidate className="grid gap-4">
      {problems.form && <Alert variant="destructive">{problems.form}</Alert>}
      {setup && (
        <Field label="Name" hint="Optional; shown to people you invite." error={problems.fields.name}>
          <Input name="name" autoComplete="name" maxLength={200} />
        </Field>
      )}
      <Field label="Email" error={problems.fields.email}>
        <Input name="email" type="email" required autoComplete={setup ? 'email' : 'username'} autoFocus={!setup} spellCheck={false} />
      </Field>
      <Field
        label="Password"
        hint={setup ? 'At least 10 characters. A few unrelated words make a strong one.' : undefined}
        error={problems.fields.password}
      >
        <div className="relative">
          <Input
            name="password"
            type={showPassword ? 'text' : 'password'}
            required
            minLength={setup ? 10 : undefined}
            autoComplete={setup ? 'new-password' : 'current-password'}
            className="pr-9"
          />
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
        {setup ? 'Create the owner account' : 'Sign in'}
      </Button>
    </form>
  );
}
