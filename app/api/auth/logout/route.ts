import { z } from 'zod';
import { authRoute } from '../../../../server/http/auth-route';
import { clearedSessionCookies } from '../../../../server/http/session-cookies';
import { signOut } from '../../../../server/services/auth/sign-in';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

/** Ends the session: it stops working at once, here and on open WebSocket connections. */
export const POST = authRoute(z.object({}), async ({ rt, meta, secure, principal }) => {
  if (principal) await signOut(rt.database.db, principal, meta);
  return { body: { signedOut: true }, cookies: clearedSessionCookies(secure) };
});
