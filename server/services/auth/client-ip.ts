/** Set by Archon's own HTTP server on every request, overwriting whatever a client sent. */
export const CLIENT_IP_HEADER = 'x-archon-client-ip';

/**
 * The caller's address for rate limits and the audit log. X-Forwarded-For is
 * believed only when TRUST_PROXY says a proxy in front sets it; otherwise a
 * client could pick any address and escape per-address limits.
 */
export function clientIp(headers: Headers, trustProxy: boolean, socketAddress?: string | null): string | null {
  if (trustProxy) {
    const forwarded = headers.get('x-forwarded-for')?.split(',')[0]?.trim();
    if (forwarded) return forwarded;
  }
  return socketAddress || headers.get(CLIENT_IP_HEADER) || null;
}
