import { type Command, InvalidArgumentError } from 'commander';
import type { Connection } from '../connection';
import { CliError } from '../errors';
import { integer, uuid } from '../options';
import { table } from '../output';
import { withArchon } from '../run';

/** Keys belong to people: on a local database that has no owner account yet, there is nobody to give one to. */
async function needsPerson(conn: Connection) {
  if (conn.mode !== 'local' || (await conn.api.auth.me.query()).userId) return;
  throw new CliError(
    'This database has no owner account yet, and API keys belong to people: open Archon in a browser to create it (archon start), or start it once with ARCHON_OWNER_EMAIL and ARCHON_OWNER_PASSWORD set.',
  );
}

type Scope = 'read' | 'write' | 'admin';

/** A repeatable --scope, each one checked. */
const scopes = (value: string, previous: Scope[] = []): Scope[] => {
  if (!['read', 'write', 'admin'].includes(value)) throw new InvalidArgumentError('must be read, write or admin');
  return [...previous, value as Scope];
};

export function registerKeys(program: Command) {
  const keys = program.command('keys').description('Create, list and revoke API keys (for the MCP clients, the typed client and this CLI)');
  keys
    .command('create')
    .description('Create an API key; it is shown once')
    .argument('<name>', 'what the key is for, e.g. "Claude Code on my laptop"')
    .option('--scope <scope>', 'read, write or admin (repeatable; default: the most your role allows)', scopes)
    .option('--expires <days>', 'expire after this many days (default: never)', integer(1, 3650))
    .action(async (name: string, o: { scope?: Scope[]; expires?: number }, command: Command) => {
      await withArchon(command, {}, async (conn, out) => {
        await needsPerson(conn);
        const expiresAt = o.expires ? new Date(Date.now() + o.expires * 86_400_000) : undefined;
        const created = await conn.api.auth.apiKeys.create.mutate({ name, scopes: o.scope, expiresAt });
        out.result(created, () =>
          [
            created.key,
            '',
            `Key "${created.apiKey.name}" (${created.apiKey.scopes.join(', ')}${created.apiKey.expiresAt ? `, expires ${created.apiKey.expiresAt.toISOString().slice(0, 10)}` : ''}), id ${created.apiKey.id}.`,
            'It is shown this once: store it now, e.g. export ARCHON_API_KEY=<the key above>.',
          ].join('\n'),
        );
      });
    });
  keys
    .command('list', { isDefault: true })
    .description("List your API keys (the default); --all lists everyone's (admins)")
    .option('--all', "everyone's keys")
    .action(async (o: { all?: boolean }, command: Command) => {
      await withArchon(command, {}, async (conn, out) => {
        await needsPerson(conn);
        const list = await conn.api.auth.apiKeys.list.query({ allUsers: Boolean(o.all) });
        out.result(list, () =>
          table(
            list,
            [
              { header: 'ID', value: (k) => k.id },
              { header: 'NAME', value: (k) => k.name, max: 30 },
              { header: 'PREFIX', value: (k) => k.prefix },
              { header: 'SCOPES', value: (k) => k.scopes.join(',') },
              { header: 'LAST USED', value: (k) => k.lastUsedAt ?? 'never' },
              { header: 'STATE', value: (k) => (k.revokedAt ? 'revoked' : k.expiresAt && k.expiresAt < new Date() ? 'expired' : 'active') },
            ],
            'No API keys: create one with archon keys create <name>.',
          ),
        );
      });
    });
  keys
    .command('revoke')
    .description('Revoke an API key: it stops working at once, and connections using it are closed')
    .argument('<id>', 'the key id (archon keys list)', uuid)
    .action(async (id: string, _o: unknown, command: Command) => {
      await withArchon(command, {}, async (conn, out) => {
        const key = await conn.api.auth.apiKeys.revoke.mutate({ id });
        out.result(key, () => `Revoked key "${key.name}" (${key.prefix}).`);
      });
    });
}
