import { serve } from 'inngest/next';
import { inngest, runnerMode } from '../../../inngest/client';
import { functions } from '../../../inngest/functions';
import { getRuntime } from '../../../server/runtime/global';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

// With the local runner active, an Inngest server must not also run these
// functions (it could fire them twice), so the endpoint is not served.
const notServed = () =>
  Response.json(
    { error: 'Archon runs its jobs with the built-in local runner. Set INNGEST_BASE_URL or INNGEST_DEV to serve them to Inngest.' },
    { status: 404 },
  );

type Handler = ReturnType<typeof serve>['POST'];

// Functions take their services from the started runtime (inngest/services.ts),
// so a request that runs one (a POST) reaches it only once the runtime has started.
const afterRuntime =
  (handler: Handler): Handler =>
  async (req, res) => {
    await getRuntime();
    return handler(req, res);
  };

const served = runnerMode === 'inngest' ? serve({ client: inngest, functions }) : null;
const handlers = served ? { GET: served.GET, POST: afterRuntime(served.POST), PUT: served.PUT } : { GET: notServed, POST: notServed, PUT: notServed };

export const { GET, POST, PUT } = handlers;
