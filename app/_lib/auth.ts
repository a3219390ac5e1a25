import { csrfHeaders } from './cookies';

/**
 * Signs out: the server revokes the session (and closes its WebSockets), then
 * the browser goes to /login with a full load, so no state of the session
 * survives in memory. Throws when the server could not be reached, so the
 * caller can say so instead of pretending.
 */
let leaving = false;

/** True once signOut started: the server then closes the live connection, which must not count as an expired session. */
export const isSigningOut = () => leaving;

export async function signOut(): Promise<void> {
  leaving = true;
  const res = await fetch('/api/auth/logout', { method: 'POST', headers: { 'content-type': 'application/json', ...csrfHeaders() }, body: '{}' });
  // 401: the session had already ended; either way nobody is signed in any more.
  if (!res.ok && res.status !== 401) {
    leaving = false;
    throw new Error(`Signing out failed: the server answered ${res.status}`);
  }
  window.location.assign('/login');
}

/**
 * A same-site path to return to after signing in; anything else becomes the default. Parsed as browsers
 * would parse it, so `//host`, `/\\host` and control characters that browsers strip cannot lead off-site.
 */
export function safeNext(next: string | null | undefined, fallback = '/knowledge'): string {
  if (!next?.startsWith('/')) return fallback;
  const base = 'http://archon.invalid';
  try {
    const url = new URL(next, base);
    if (url.origin !== base || url.pathname.startsWith('/login') || url.pathname.startsWith('/setup')) return fallback;
    return url.pathname + url.search + url.hash;
  } catch {
    return fallback;
  }
}

/** Where to send someone whose session ended while they were on `path`. */
export const loginUrl = (path?: string) => (path && path !== '/' ? `/login?next=${encodeURIComponent(path)}` : '/login');
