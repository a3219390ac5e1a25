import { CSRF_COOKIE, SESSION_COOKIE } from '../services/auth/authenticate';
import type { NewSession } from '../services/auth/sessions';

/** HTTPS as the browser sees it: the request itself, a trusted proxy's header, or the configured public URL. */
export function isHttps(req: Request, opts: { trustProxy: boolean; publicUrl?: string }): boolean {
  if (opts.publicUrl?.startsWith('https:')) return true;
  if (opts.trustProxy && req.headers.get('x-forwarded-proto')?.split(',')[0]?.trim() === 'https') return true;
  return new URL(req.url).protocol === 'https:';
}

function cookie(name: string, value: string, opts: { maxAgeSeconds: number; httpOnly: boolean; secure: boolean }) {
  return [
    `${name}=${encodeURIComponent(value)}`,
    'Path=/',
    `Max-Age=${opts.maxAgeSeconds}`,
    'SameSite=Lax',
    ...(opts.httpOnly ? ['HttpOnly'] : []),
    ...(opts.secure ? ['Secure'] : []),
  ].join('; ');
}

/**
 * The session cookie (httpOnly: scripts never see it) and the CSRF cookie
 * (readable by Archon's own pages, which echo it in `x-csrf-token`).
 */
export function sessionCookies(session: NewSession, secure: boolean): string[] {
  const maxAgeSeconds = Math.max(1, Math.floor((session.expiresAt.getTime() - Date.now()) / 1000));
  return [
    cookie(SESSION_COOKIE, session.token, { maxAgeSeconds, httpOnly: true, secure }),
    cookie(CSRF_COOKIE, session.csrfToken, { maxAgeSeconds, httpOnly: false, secure }),
  ];
}

export function clearedSessionCookies(secure: boolean): string[] {
  return [cookie(SESSION_COOKIE, '', { maxAgeSeconds: 0, httpOnly: true, secure }), cookie(CSRF_COOKIE, '', { maxAgeSeconds: 0, httpOnly: false, secure })];
}
