import { serve } from 'inngest/next';
import { inngest, runnerMode } from '../../../inngest/client';
import { functions } from '../../../inngest/functions';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

// With the local runner active, an Inngest server must not also run these
// functions (it could fire them twice), so the endpoint is not served.
const notServed = () =>
  Response.json(
    { error: 'Archon runs its jobs with the built-in local runner. Set INNGEST_BASE_URL or INNGEST_DEV to serve them to Inngest.' },
    { status: 404 },
  );

const handlers =
  runnerMode === 'inngest' ? serve({ client: inngest, functions }) : { GET: notServed, POST: notServed, PUT: notServed };

export const { GET, POST, PUT } = handlers;
