import { toast } from 'sonner';

/**
 * Turning any error the dashboard meets (a tRPC error over HTTP or WebSocket,
 * a failed fetch, a thrown Error) into words people can act on.
 *
 * The server's messages are written for people already (server/errors.ts), so
 * they are kept; what is added is a title per kind of failure, per-field
 * messages for invalid input, and plain words for the cases where the server
 * says nothing useful (network down, internal error).
 */

export type ErrorCode =
  | 'BAD_REQUEST'
  | 'UNAUTHORIZED'
  | 'FORBIDDEN'
  | 'NOT_FOUND'
  | 'CONFLICT'
  | 'PRECONDITION_FAILED'
  | 'PAYLOAD_TOO_LARGE'
  | 'UNPROCESSABLE_CONTENT'
  | 'TOO_MANY_REQUESTS'
  | 'SERVICE_UNAVAILABLE'
  | 'INTERNAL_SERVER_ERROR'
  | 'NETWORK'
  | 'UNKNOWN';

export type FriendlyError = {
  code: ErrorCode;
  /** Short, for a toast or an error state's heading. */
  title: string;
  /** One or two sentences: what happened and what to do. */
  message: string;
  /** Per-field messages for invalid input, keyed by the input's dotted path ('' for the input as a whole). */
  fieldErrors: Record<string, string>;
  retryAfterSeconds: number | null;
};

type ErrorData = { code?: string; httpStatus?: number; fieldErrors?: Record<string, string[]> | null; retryAfterSeconds?: number | null };

const TITLES: Record<ErrorCode, string> = {
  BAD_REQUEST: 'Check the input',
  UNAUTHORIZED: 'Signed out',
  FORBIDDEN: 'Not allowed',
  NOT_FOUND: 'Not found',
  CONFLICT: 'Changed meanwhile',
  PRECONDITION_FAILED: 'Not possible right now',
  PAYLOAD_TOO_LARGE: 'Too large',
  UNPROCESSABLE_CONTENT: 'Could not be processed',
  TOO_MANY_REQUESTS: 'Slow down',
  SERVICE_UNAVAILABLE: 'Not available',
  INTERNAL_SERVER_ERROR: 'Something went wrong',
  NETWORK: 'Archon could not be reached',
  UNKNOWN: 'Something went wrong',
};

const capitalise = (s: string) => (s ? s[0]!.toUpperCase() + s.slice(1) : s);

function dataOf(err: unknown): ErrorData | null {
  if (err && typeof err === 'object') {
    const data = (err as { data?: unknown }).data ?? (err as { shape?: { data?: unknown } }).shape?.data;
    if (data && typeof data === 'object') return data as ErrorData;
  }
  return null;
}

function looksLikeNetworkFailure(err: unknown): boolean {
  const message = err instanceof Error ? err.message : '';
  return /failed to fetch|networkerror|load failed|websocket closed|fetch failed|network request failed/i.test(message);
}

/** Per-field messages from a tRPC BAD_REQUEST (`data.fieldErrors`), one string per field. */
export function fieldErrorsOf(err: unknown): Record<string, string> {
  const fields = dataOf(err)?.fieldErrors;
  if (!fields) return {};
  return Object.fromEntries(Object.entries(fields).map(([path, messages]) => [path, capitalise(messages.join('; '))]));
}

export function describeError(err: unknown): FriendlyError {
  const data = dataOf(err);
  const serverMessage = err instanceof Error ? err.message : typeof err === 'string' ? err : '';
  const code: ErrorCode = (data?.code as ErrorCode | undefined) ?? (looksLikeNetworkFailure(err) ? 'NETWORK' : 'UNKNOWN');
  const fieldErrors = fieldErrorsOf(err);
  const retryAfterSeconds = data?.retryAfterSeconds ?? null;
  let message: string;
  switch (code) {
    case 'NETWORK':
      message = 'The request did not reach the server. Check that Archon is running and try again.';
      break;
    case 'INTERNAL_SERVER_ERROR':
    case 'UNKNOWN':
      message = 'The server could not finish this. Try again; if it keeps failing, the server log has the details.';
      break;
    case 'UNAUTHORIZED':
      message = 'Your session has ended. Sign in again to continue.';
      break;
    case 'BAD_REQUEST':
      // Forms show fieldErrors under each field; this sentence is for a toast, so it names them.
      message = Object.keys(fieldErrors).length
        ? Object.entries(fieldErrors)
            .map(([field, msg]) => (field ? `${capitalise(field)}: ${msg.replace(/^./, (c) => c.toLowerCase())}.` : `${msg}.`))
            .join(' ')
        : capitalise(serverMessage);
      break;
    case 'CONFLICT':
      message = `${capitalise(serverMessage).replace(/\.$/, '')}. It was changed meanwhile; the latest version is shown again.`;
      break;
    case 'TOO_MANY_REQUESTS':
      message = retryAfterSeconds ? `Too many requests. Try again in ${Math.ceil(retryAfterSeconds)} s.` : capitalise(serverMessage);
      break;
    default:
      message = capitalise(serverMessage) || TITLES[code];
  }
  return { code, title: TITLES[code], message, fieldErrors, retryAfterSeconds };
}

/** A toast for a failed action: `toastError(err, 'Could not delete the source')`. */
export function toastError(err: unknown, title?: string) {
  const friendly = describeError(err);
  toast.error(title ?? friendly.title, { description: friendly.message });
}
