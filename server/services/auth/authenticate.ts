import { isIP } from 'node:net';
import type { Database } from '../../../db/types';
import { resolveApiKey } from './api-keys';
import type { Principal } from './principal';
import { resolveSession } from './sessions';

export const SESSION_COOKIE = 'archon_session';
export const CSRF_COOKIE = 'archon_csrf';
export const CSRF_HEADER = 'x-csrf-token';

export function readCookie(header: string | null | undefined, name: string): string | null {
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) {
      try {
        return decodeURIComponent(part.slice(eq + 1).trim());
      } catch {
        return null;
      }
    }
  }
  return null;
}

/** The API key a request presents: `Authorization: Bearer <key>` or `X-API-Key`. */
export function presentedKey(headers: Headers): string | null {
  const auth = headers.get('authorization');
  const bearer = auth && /^Bearer\s+(\S+)$/i.exec(auth.trim())?.[1];
  return bearer || headers.get('x-api-key')?.trim() || null;
}

/**
 * Whether a browser request comes from Archon's own pages. Browsers always
 * send Origin on WebSocket handshakes and cross-site POSTs, so a cookie is
 * honoured there only for the same origin (a page elsewhere could otherwise
 * use the visitor's session: cross-site WebSocket hijacking, CSRF).
 */
export function sameOrigin(headers: Headers, publicUrl?: string): boolean {
  const origin = headers.get('origin');
  if (!origin) return true;
  if (publicUrl && origin === new URL(publicUrl).origin) return true;
  // Not X-Forwarded-Host: a client could send it; behind a proxy, ARCHON_PUBLIC_URL names the origin.
  const host = headers.get('host');
  try {
    return Boolean(host) && new URL(origin).host === host;
  } catch {
    return false;
  }
}

/**
 * Whether the Host header names this server: an IP address, localhost, or
 * the host of ARCHON_PUBLIC_URL. A DNS-rebinding page reaches a loopback
 * server under its own domain name, where it is same-origin with itself and
 * so passes `sameOrigin`; this refuses it. Asked where a call needs no
 * credentials to matter: /mcp, and creating the owner.
 */
export function hostAllowed(host: string | null, publicUrl: string | undefined): boolean {
  if (!host) return false;
  const name = host
    .replace(/:\d+$/, '')
    .replace(/^\[(.*)\]$/, '$1')
    .toLowerCase();
  if (name === 'localhost' || isIP(name) !== 0) return true;
  if (!publicUrl) return false;
  try {
    return new URL(publicUrl).hostname.toLowerCase() === name;
  } catch {
    return false;
  }
}

/**
 * Who is calling: an API key (header, or `apiKey` in WebSocket connection
 * params) or a session cookie. A key that is presented but invalid is an
 * anonymous call, never a fallback to the cookie, so a bad key is noticed.
 */
export async function authenticate(
  db: Database,
  input: { headers: Headers; connectionParams?: Record<string, unknown> | null; publicUrl?: string },
): Promise<Principal | null> {
  const paramKey = typeof input.connectionParams?.apiKey === 'string' ? input.connectionParams.apiKey : null;
  const key = paramKey ?? presentedKey(input.headers);
  if (key) return resolveApiKey(db, key);
  const token = readCookie(input.headers.get('cookie'), SESSION_COOKIE);
  if (!token || !sameOrigin(input.headers, input.publicUrl)) return null;
  return resolveSession(db, token);
}
