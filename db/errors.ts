/** A database that cannot be used as configured. The message says what to do about it. */
export class DatabaseSetupError extends Error {
  override name = 'DatabaseSetupError';
}

/** Strips the password from a connection URL so it can appear in messages. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '<unparseable DATABASE_URL>';
  }
}
