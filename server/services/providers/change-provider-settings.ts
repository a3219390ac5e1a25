import type { Database } from '../../../db/types';
import { CHANNELS, notify } from '../../realtime/channels';
import type { Dispatch } from '../../schemas/job-events';
import type { UpdateProviderSettingsInput } from '../../schemas/provider-settings';
import { type Actor, auditActor } from '../auth/actor';
import type { Embedder } from '../embeddings/types';
import { reembedIfModelChanged } from '../ingest/reembed';
import { recordAudit } from '../security/audit-log';
import type { SecretBox } from '../security/secret-box';
import { updateProviderSettings } from './provider-settings';

/** Which fields a change touched, for the audit log (names only, never values). */
function touched(input: UpdateProviderSettingsInput): string[] {
  return Object.entries(input).flatMap(([kind, fields]) => Object.keys((fields as object | undefined) ?? {}).map((f) => `${kind}.${f}`));
}

/**
 * Saves provider settings, makes every process use them, and starts
 * re-embedding when the embedding model or dimension now differs from the
 * stored vectors. Search keeps working from full text meanwhile.
 */
export async function changeProviderSettings(
  deps: { db: Database; box: SecretBox; dispatch: Dispatch; reload: () => Promise<Embedder> },
  actor: Actor,
  input: UpdateProviderSettingsInput,
) {
  const { changed: _changed, ...view } = await updateProviderSettings(deps.db, deps.box, input, actor.principal.userId);
  await notify(deps.db, CHANNELS.settings);
  const embedder = await deps.reload();
  const reembedJob = await reembedIfModelChanged(deps.db, deps.dispatch, embedder);
  await recordAudit(deps.db, {
    action: 'settings.changed',
    ...auditActor(actor),
    target: 'providers',
    details: { fields: touched(input), reembedJobId: reembedJob?.id ?? null },
  });
  return { ...view, embedding: { ...view.embedding, active: { model: embedder.model, dimensions: embedder.dimensions } }, reembedJob };
}
