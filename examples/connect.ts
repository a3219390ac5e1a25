import { createArchonClient } from '@archon/client';
import WebSocket from 'ws';

/** The client for ARCHON_URL (default http://127.0.0.1:3737) with ARCHON_API_KEY. */
export function connect() {
  const apiKey = process.env.ARCHON_API_KEY;
  if (!apiKey) {
    console.error('Set ARCHON_API_KEY to an API key (the dashboard, or `archon keys create`).');
    process.exit(2);
  }
  // Node 20 has no global WebSocket: the `ws` package's carries the subscriptions.
  return createArchonClient({ url: process.env.ARCHON_URL ?? 'http://127.0.0.1:3737', apiKey, ws: WebSocket });
}
