import { authRoute } from '../../../../server/http/auth-route';
import { sessionCookies } from '../../../../server/http/session-cookies';
import { loginInputSchema } from '../../../../server/schemas/auth';
import { signIn } from '../../../../server/services/auth/sign-in';
import { createRateLimiter, rateLimitRules } from '../../../../server/services/security/rate-limit';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

/** Signs in with email and password; sets the session and CSRF cookies. */
export const POST = authRoute(loginInputSchema, async ({ rt, input, meta, secure }) => {
  const { user, session } = await signIn(rt.database.db, createRateLimiter(rt.database.db, rateLimitRules()), input, meta);
  return { body: { user, csrfToken: session.csrfToken, expiresAt: session.expiresAt }, cookies: sessionCookies(session, secure) };
});
