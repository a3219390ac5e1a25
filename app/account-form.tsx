'use client';

import { type FormEvent, useState } from 'react';

/** The owner setup and sign-in form: posts JSON to /api/auth/<mode>; the server sets the session cookie. */
export function AccountForm({ mode }: { mode: 'setup' | 'login' }) {
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    const form = new FormData(event.currentTarget);
    const body = Object.fromEntries([...form.entries()].filter(([, v]) => typeof v === 'string' && v !== ''));
    try {
      const res = await fetch(`/api/auth/${mode}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      if (res.ok) {
        window.location.assign('/');
        return;
      }
      const answer = (await res.json().catch(() => null)) as { error?: { message?: string } } | null;
      setError(answer?.error?.message ?? `The server answered ${res.status}`);
    } catch {
      setError('Archon could not be reached');
    } finally {
      setBusy(false);
    }
  }

  return (
    <form onSubmit={submit} style={{ display: 'grid', gap: '0.75rem', maxWidth: 360 }}>
      {mode === 'setup' && (
        <label>
          Name <input name="name" autoComplete="name" />
        </label>
      )}
      <label>
        Email <input name="email" type="email" required autoComplete="email" />
      </label>
      <label>
        Password{' '}
        <input
          name="password"
          type="password"
          required
          minLength={mode === 'setup' ? 10 : undefined}
          autoComplete={mode === 'setup' ? 'new-password' : 'current-password'}
        />
      </label>
      <button type="submit" disabled={busy}>
        {mode === 'setup' ? 'Create the owner account' : 'Sign in'}
      </button>
      {error && (
        <p role="alert" style={{ color: '#b00020' }}>
          {error}
        </p>
      )}
    </form>
  );
}
