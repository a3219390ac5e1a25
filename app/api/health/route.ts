import { getRuntime } from '../../../server/runtime/global';
import { getHealth } from '../../../server/services/system/health';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

export async function GET() {
  const rt = await getRuntime();
  const health = await getHealth(rt.database, rt);
  return Response.json(health, {
    status: health.database.reachable ? 200 : 503,
    headers: { 'cache-control': 'no-store' },
  });
}
