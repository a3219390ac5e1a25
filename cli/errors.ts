/** A problem the user can fix: printed as one line (`archon: …`) with exit code 1. */
export class CliError extends Error {
  override name = 'CliError';
  constructor(
    message: string,
    /** What a script reading --json output gets as `error.code`. */
    readonly code = 'FAILED',
  ) {
    super(message);
  }
}

/** The command line itself was wrong (or Archon refused its arguments as invalid): exit code 2. */
export class UsageError extends CliError {
  override name = 'UsageError';
  constructor(message: string, code = 'USAGE') {
    super(message, code);
  }
}

/** Exit codes, as the README documents them. */
export const EXIT = { ok: 0, failure: 1, usage: 2 } as const;
