/**
 * Where the Inngest dashboard that shows a job's runs lives, when an Inngest
 * server runs the jobs. Resolved from the same variables the Inngest SDK reads,
 * in its order: INNGEST_BASE_URL (a dev server or a self-hosted one), then
 * INNGEST_DEV as a URL, INNGEST_DEV=1 (the dev server on localhost:8288),
 * otherwise Inngest Cloud in the INNGEST_ENV environment.
 */
export type InngestDashboard = { kind: 'dev' | 'self-hosted' | 'cloud'; url: string };

const DEV_SERVER = 'http://localhost:8288';
const CLOUD = 'https://app.inngest.com';

const asBoolean = (v: string | undefined): boolean | undefined => {
  const t = v?.trim().toLowerCase();
  return t === 'true' || t === '1' ? true : t === 'false' || t === '0' ? false : undefined;
};

function origin(value: string | undefined): string | null {
  const v = value?.trim();
  if (!v) return null;
  try {
    const url = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(v) ? v : `http://${v}`);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.origin : null;
  } catch {
    return null;
  }
}

/**
 * The dashboard for this process's Inngest server, or null when the local
 * runner runs the jobs (`runner`, as server/runner/mode.ts resolves it).
 */
export function inngestDashboard(env: Record<string, string | undefined>, runner: 'local' | 'inngest'): InngestDashboard | null {
  if (runner !== 'inngest') return null;
  const dev = asBoolean(env.INNGEST_DEV);
  const base = origin(env.INNGEST_BASE_URL);
  // A server reached with a signing key and not in dev mode is a self-hosted `inngest start`.
  if (base) return { kind: dev !== true && env.INNGEST_SIGNING_KEY?.trim() ? 'self-hosted' : 'dev', url: base };
  const devUrl = dev === undefined ? origin(env.INNGEST_DEV) : null;
  if (devUrl) return { kind: 'dev', url: devUrl };
  if (dev === true) return { kind: 'dev', url: DEV_SERVER };
  const environment = env.INNGEST_ENV?.trim() || 'production';
  return { kind: 'cloud', url: `${CLOUD}/env/${encodeURIComponent(environment)}` };
}

/**
 * The dashboard's list of a job's runs. A crawl is several runs (the plan,
 * one per batch of pages, the finish), and every event Archon sends carries
 * the job's id, so the runs page is filtered on it rather than linking one run.
 */
export function inngestRunsUrl(dashboard: InngestDashboard | null, jobId: string): string | null {
  if (!dashboard) return null;
  const search = `event.data.jobId == "${jobId}"`;
  return `${dashboard.url}/runs?search=${encodeURIComponent(search)}`;
}
