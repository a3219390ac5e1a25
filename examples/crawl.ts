// Crawls a site and follows the job's progress until it ends: node dist/crawl.js https://docs.example.com/ [maxPages] [mode]
import type { RouterInputs, RouterOutputs } from '@archon/client';
import { connect } from './connect.js';

type JobEvent = RouterOutputs['jobs']['get'];

type Mode = NonNullable<RouterInputs['knowledge']['crawl']['mode']>;

const [url, maxPages = '50', mode = 'auto'] = process.argv.slice(2);
if (!url) {
  console.error('usage: node dist/crawl.js <url> [maxPages] [auto|recursive|sitemap|llms-txt|single]');
  process.exit(2);
}
const archon = connect();
const job = await archon.knowledge.crawl.mutate({ url, maxPages: Number(maxPages), maxDepth: 3, mode: mode as Mode });
console.log(`job ${job.id} started for source ${job.sourceId}`);

// Every status and progress event of the job, from its first; after a dropped connection it resumes where it stopped.
const final = await new Promise<Pick<JobEvent, 'status' | 'pagesFetched' | 'chunksStored' | 'error'>>((resolve, reject) => {
  const sub = archon.jobs.onProgress.subscribe(
    { jobId: job.id },
    {
      onData: ({ data: event }) => {
        if (event.kind !== 'status' && event.kind !== 'progress') return;
        const p = event.payload as Pick<JobEvent, 'status' | 'pagesDiscovered' | 'pagesFetched' | 'chunksStored' | 'error'>;
        console.log(`${p.status}: ${p.pagesFetched}/${Math.max(p.pagesDiscovered, p.pagesFetched)} pages, ${p.chunksStored} chunks`);
        if (['completed', 'failed', 'cancelled'].includes(p.status)) {
          sub.unsubscribe();
          resolve(p);
        }
      },
      onError: reject,
    },
  );
});
console.log(
  final.error ? `ended ${final.status}: ${final.error}` : `ended ${final.status}: ${final.pagesFetched} pages, ${final.chunksStored} chunks`,
);
await archon.close();
process.exitCode = final.status === 'completed' ? 0 : 1;
