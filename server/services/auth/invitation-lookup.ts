import { and, eq, gt, isNull } from 'drizzle-orm';
import { invitations } from '../../../db/schema';
import type { Database } from '../../../db/types';
import { sha256Hex } from '../security/tokens';

/**
 * The invitation a token opens, for the accept page to greet the person by
 * the address they were invited at: email, role and expiry, or null when the
 * token is unknown, used, withdrawn or expired. Whoever holds the token may
 * see this; accepting it still goes through acceptInvitation.
 */
export async function findOpenInvitation(db: Database, token: string) {
  const trimmed = token.trim();
  if (trimmed.length < 20 || trimmed.length > 200) return null;
  const [row] = await db
    .select({ email: invitations.email, role: invitations.role, expiresAt: invitations.expiresAt })
    .from(invitations)
    .where(
      and(
        eq(invitations.tokenHash, sha256Hex(trimmed)),
        isNull(invitations.acceptedAt),
        isNull(invitations.revokedAt),
        gt(invitations.expiresAt, new Date()),
      ),
    );
  return row ?? null;
}
