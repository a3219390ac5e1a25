// Names the server uses (server/services/auth/authenticate.ts). Repeated here rather than imported, so no
// server module is pulled into the browser bundle; test/e2e/dashboard-shell.test.ts signs out through them.
export const CSRF_COOKIE = 'archon_csrf';
export const CSRF_HEADER = 'x-csrf-token';

/** The CSRF token the server set at sign-in, which cookie-authenticated writes echo in `x-csrf-token`. */
export function csrfToken(): string | null {
  if (typeof document === 'undefined') return null;
  for (const part of document.cookie.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === CSRF_COOKIE) {
      try {
        return decodeURIComponent(part.slice(eq + 1).trim()) || null;
      } catch {
        return null;
      }
    }
  }
  return null;
}

/** Headers for a write made with the session cookie: `fetch(url, { method: 'POST', headers: csrfHeaders() })`. */
export function csrfHeaders(): Record<string, string> {
  const token = csrfToken();
  return token ? { [CSRF_HEADER]: token } : {};
}
