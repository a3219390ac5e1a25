import { Command } from 'commander';
import { CliError, runMcp } from './mcp';
import { cliVersion } from './version';

/**
 * The `archon` command. One subcommand per file of cli/, registered here;
 * each throws CliError for a problem the user can fix, which is printed as
 * one line on stderr with exit code 1.
 */
export function buildProgram(): Command {
  const program = new Command('archon')
    .description('Archon: a knowledge base and task board for AI coding assistants')
    .version(cliVersion())
    .showHelpAfterError();
  program
    .command('mcp')
    .description(
      'Serve the MCP tools over stdio. With ARCHON_URL and ARCHON_API_KEY: against that Archon. ' +
        'Otherwise: on the local database, as `npm start` opens it (acting as ARCHON_API_KEY if set, else as the owner).',
    )
    .action(() => runMcp());
  return program;
}

buildProgram()
  .parseAsync(process.argv)
  .catch((err: unknown) => {
    if (err instanceof CliError) console.error(`archon: ${err.message}`);
    else console.error('archon failed:', err);
    process.exit(1);
  });
