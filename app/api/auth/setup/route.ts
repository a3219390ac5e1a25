import { authRoute } from '../../../../server/http/auth-route';
import { sessionCookies } from '../../../../server/http/session-cookies';
import { setupInputSchema } from '../../../../server/schemas/auth';
import { setUpOwner } from '../../../../server/services/auth/sign-in';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

/**
 * First start: creates the owner account and signs it in. Refused once any
 * account exists, and under a host name this server does not answer to: a
 * DNS-rebinding page would otherwise make itself the owner of a fresh Archon
 * on the visitor's loopback.
 */
export const POST = authRoute(
  setupInputSchema,
  async ({ rt, input, meta, secure }) => {
    const { user, session } = await setUpOwner(rt.database.db, input, meta);
    return { status: 201, body: { user, csrfToken: session.csrfToken, expiresAt: session.expiresAt }, cookies: sessionCookies(session, secure) };
  },
  { servedHostOnly: true },
);
