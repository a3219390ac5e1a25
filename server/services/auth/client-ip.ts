/** Set by Archon's own HTTP server on every request, overwriting whatever a client sent. */
export const CLIENT_IP_HEADER = 'x-archon-client-ip';

/**
 * The caller's address for rate limits and the audit log. X-Forwarded-For is
 * believed only when TRUST_PROXY says a proxy in front sets it; otherwise a
 * client could pick any address and escape per-address limits. Even then only
 * its last entry is: a proxy appends the address it saw to whatever the
 * client sent, so every earlier entry is the client's to choose.
 */
export function clientIp(headers: Headers, trustProxy: boolean, socketAddress?: string | null): string | null {
  if (trustProxy) {
    const forwarded = headers.get('x-forwarded-for')?.split(',').at(-1)?.trim();
    if (forwarded) return forwarded;
  }
  return socketAddress || headers.get(CLIENT_IP_HEADER) || null;
}
