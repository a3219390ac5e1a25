import { authRoute } from '../../../../server/http/auth-route';
import { sessionCookies } from '../../../../server/http/session-cookies';
import { acceptInviteInputSchema } from '../../../../server/schemas/auth';
import { joinWithInvitation } from '../../../../server/services/auth/sign-in';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

/** Creates an account from an invitation token and signs it in. */
export const POST = authRoute(acceptInviteInputSchema, async ({ rt, input, meta, secure }) => {
  const { user, session } = await joinWithInvitation(rt.database.db, input, meta);
  return { status: 201, body: { user, csrfToken: session.csrfToken, expiresAt: session.expiresAt }, cookies: sessionCookies(session, secure) };
});
