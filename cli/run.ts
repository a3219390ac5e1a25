import type { Command } from 'commander';
import { type Connection, connect } from './connection';
import { describeError } from './describe';
import { EXIT } from './errors';
import { createOutput, type Output } from './output';

/** The options every command takes (see index.ts). */
export type GlobalOptions = { url?: string; json?: boolean };

/**
 * Runs a command against Archon: connects (remote with --url or ARCHON_URL,
 * else the local database), runs `fn`, closes, and sets the exit code `fn`
 * returns (0 by default). An error from Archon is said in one line.
 */
export async function withArchon(
  command: Command,
  opts: { runJobs?: boolean },
  fn: (conn: Connection, out: Output) => Promise<number | undefined>,
): Promise<void> {
  const globals = command.optsWithGlobals<GlobalOptions>();
  const out = createOutput(Boolean(globals.json));
  const conn = await connect({ url: globals.url, env: process.env, runJobs: opts.runJobs });
  try {
    process.exitCode = (await fn(conn, out)) ?? EXIT.ok;
  } catch (err) {
    throw describeError(err, { where: conn.where, mode: conn.mode });
  } finally {
    await conn.close().catch(() => {});
  }
}

/** The Output of a command that needs no connection. */
export const outputOf = (command: Command): Output => createOutput(Boolean(command.optsWithGlobals<GlobalOptions>().json));
