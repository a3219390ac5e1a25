import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { registerJobs } from './commands/jobs';
import { registerKeys } from './commands/keys';
import { registerKnowledge } from './commands/knowledge';
import { registerSystem } from './commands/system';
import { checkUrl } from './connection';
import { CliError, EXIT, UsageError } from './errors';
import { cliVersion } from './version';

const HELP_FOOTER = `
Where it runs:
  With --url (or ARCHON_URL) and ARCHON_API_KEY, against that Archon. Otherwise on the
  local database, opened as npm start opens it (DATABASE_URL, or ./.data), acting as
  ARCHON_API_KEY's key if set, else as the owner.

Exit codes: 0 ok, 1 failure, 2 usage (bad arguments, or arguments Archon refused as invalid).
Every command takes --help.`;

/**
 * The `archon` command. Each subcommand lives in cli/commands/ (mcp in
 * mcp.ts); each throws CliError for a problem the user can fix, printed as
 * one line on stderr (and as {"error": …} on stdout under --json).
 */
/** Set by `archon mcp`, which serves until its client goes: the process must not exit when its action returns. */
export const state = { serving: false };

export function buildProgram(): Command {
  const program = new Command('archon')
    .description('Archon: a knowledge base and task board for AI coding assistants')
    .version(cliVersion())
    .addOption(
      new Option('--url <url>', "a remote Archon's address (default ARCHON_URL; without either, the local database)").argParser((v) =>
        checkUrlOption(v),
      ),
    )
    .option('--json', 'print the result as JSON (progress and messages go to stderr)')
    .showHelpAfterError('(add --help for usage)')
    .exitOverride()
    .addHelpText('after', HELP_FOOTER);
  registerSystem(program);
  registerKnowledge(program);
  registerJobs(program);
  registerKeys(program);
  program
    .command('mcp')
    .description(
      'Serve the MCP tools over stdio. With ARCHON_URL (or --url) and ARCHON_API_KEY: against that Archon. ' +
        'Otherwise: on the local database, as `npm start` opens it (acting as ARCHON_API_KEY if set, else as the owner).',
    )
    .action(async (_o: unknown, command: Command) => {
      state.serving = true;
      const url = command.optsWithGlobals<{ url?: string }>().url;
      // Loaded only here: the MCP server and its SDK take a second to load, which no other command needs.
      const { runMcp } = await import('./mcp');
      return runMcp(url ? { ...process.env, ARCHON_URL: url } : process.env);
    });
  // Every subcommand (and theirs) exits through the handler below, with the exit codes above.
  const inherit = (command: Command) => {
    for (const sub of command.commands) {
      sub.exitOverride().showHelpAfterError('(add --help for usage)');
      inherit(sub);
    }
  };
  inherit(program);
  return program;
}

function checkUrlOption(value: string): string {
  try {
    return checkUrl(value);
  } catch (err) {
    throw new InvalidArgumentError((err as Error).message.replace(/^--url /, ''));
  }
}

/** The exit code an error ends the command with: 0 for help and --version, 2 for usage, 1 for the rest. */
export function exitCodeOf(err: unknown): number {
  if (err instanceof CommanderError) {
    const ok = err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || (err.code === 'commander.help' && err.exitCode === 0);
    return ok ? EXIT.ok : EXIT.usage;
  }
  if (err instanceof UsageError) return EXIT.usage;
  return EXIT.failure;
}

/** Says how the command ended and exits with its code: one line for the user's errors, the stack only with ARCHON_DEBUG. */
export function exitWith(err: unknown, json: boolean): never {
  const code = exitCodeOf(err);
  const fail = (errorCode: string, message: string) => {
    if (json) process.stdout.write(`${JSON.stringify({ error: { code: errorCode, message } })}\n`);
  };
  if (err instanceof CommanderError) {
    // commander has printed why (and where to find help).
    if (code !== EXIT.ok) fail('USAGE', err.message.replace(/^error: /, ''));
  } else if (err instanceof CliError) {
    console.error(`archon: ${err.message}`);
    fail(err.code, err.message);
  } else {
    const message = err instanceof Error ? err.message : String(err);
    if (process.env.ARCHON_DEBUG) console.error(err);
    else console.error(`archon: unexpected error: ${message} (set ARCHON_DEBUG=1 to see where)`);
    fail('UNEXPECTED', message);
  }
  process.exit(code);
}
