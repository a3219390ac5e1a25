import { useSyncExternalStore } from 'react';

const never = () => () => {};

/**
 * False in the server's HTML, true once React runs in the browser. A password
 * form submitted before then would be sent by the browser itself, as a GET
 * that puts the password in the URL: its button waits for this.
 */
export const useHydrated = () =>
  useSyncExternalStore(
    never,
    () => true,
    () => false,
  );
