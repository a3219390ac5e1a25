import { currentLogger } from '../server/runtime/global';

type Level = 'debug' | 'info' | 'warn' | 'error';

function line(args: unknown[]): { message: string; extra?: Record<string, unknown> } {
  const parts: string[] = [];
  let extra: Record<string, unknown> | undefined;
  for (const arg of args) {
    if (typeof arg === 'string') parts.push(arg);
    else if (arg instanceof Error) parts.push(arg.message);
    else if (arg && typeof arg === 'object') extra = { ...extra, ...(arg as Record<string, unknown>) };
    else if (arg !== undefined) parts.push(String(arg));
  }
  const err = extra?.err ?? extra?.error;
  if (err instanceof Error && extra) extra = { ...extra, err: err.message, error: undefined };
  return { message: `inngest: ${parts.join(' ') || 'event'}`, extra };
}

const forward =
  (level: Level) =>
  (...args: unknown[]) => {
    const { message, extra } = line(args);
    currentLogger()[level](message, extra);
  };

/** Routes the Inngest SDK's logs (step errors, registration) into Archon's log at Archon's level. */
export const inngestLogger = { debug: forward('debug'), info: forward('info'), warn: forward('warn'), error: forward('error') };
