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
 * How long the browser keeps the cookies: the longest browsers allow. The
 * session's own expiry slides forward with use on the server, which is what
 * ends it; a cookie that expired with the session's first deadline would sign
 * out, 7 days after sign-in, someone who used Archon every day.
 */
export const COOKIE_MAX_AGE_SECONDS = 400 * 24 * 60 * 60;

/**
 * The session cookie (httpOnly: scripts never see it) and the CSRF cookie
 * (readable by Archon's own pages, which echo it in `x-csrf-token`).
 */
export function sessionCookies(session: Pick<NewSession, 'token' | 'csrfToken'>, secure: boolean): string[] {
  const maxAgeSeconds = COOKIE_MAX_AGE_SECONDS;
  return [
    cookie(SESSION_COOKIE, session.token, { maxAgeSeconds, httpOnly: true, secure }),
    cookie(CSRF_COOKIE, session.csrfToken, { maxAgeSeconds, httpOnly: false, secure }),
  ];
}

export function clearedSessionCookies(secure: boolean): string[] {
  return [
    cookie(SESSION_COOKIE, '', { maxAgeSeconds: 0, httpOnly: true, secure }),
    cookie(CSRF_COOKIE, '', { maxAgeSeconds: 0, httpOnly: false, secure }),
  ];
}
