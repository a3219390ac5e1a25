export type FetchErrorKind =
  | 'timeout'
  | 'too-large'
  | 'redirect-loop'
  | 'too-many-redirects'
  | 'blocked'
  | 'network'
  | 'unsupported-protocol'
  | 'aborted';

/** Why a URL could not be fetched. HTTP error statuses are not FetchErrors: they are answers. */
export class FetchError extends Error {
  override name = 'FetchError';
  constructor(
    readonly kind: FetchErrorKind,
    /** The URL being fetched when it failed (a redirect target, for errors along a chain). */
    readonly url: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
