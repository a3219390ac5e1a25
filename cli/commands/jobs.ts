import { type Command, Option } from 'commander';
import { EXIT } from '../errors';
import { integer, uuid } from '../options';
import { table } from '../output';
import { followJob } from '../progress';
import { withArchon } from '../run';

const STATUSES = ['queued', 'running', 'completed', 'failed', 'cancelled'] as const;

export function registerJobs(program: Command) {
  const jobs = program.command('jobs').description('List jobs (crawls, uploads, refreshes, re-embeddings), follow or cancel one');
  jobs
    .command('list', { isDefault: true })
    .description('List jobs, newest first (the default)')
    .addOption(new Option('--status <status>', 'only jobs in this state').choices(STATUSES))
    .addOption(new Option('--kind <kind>', 'only jobs of this kind').choices(['crawl', 'upload', 'refresh', 'reembed']))
    .option('--source <id>', "only this source's jobs")
    .option('--limit <n>', 'jobs per page (default 20)', integer(1, 100))
    .option('--offset <n>', 'skip this many', integer(0, 1_000_000))
    .action(
      async (
        o: {
          status?: (typeof STATUSES)[number];
          kind?: 'crawl' | 'upload' | 'refresh' | 'reembed';
          source?: string;
          limit?: number;
          offset?: number;
        },
        command: Command,
      ) => {
        await withArchon(command, {}, async (conn, out) => {
          const page = await conn.api.jobs.list.query({ status: o.status, kind: o.kind, sourceId: o.source, limit: o.limit ?? 20, offset: o.offset });
          out.result(page, () =>
            table(
              page.items,
              [
                { header: 'ID', value: (j) => j.id },
                { header: 'KIND', value: (j) => j.kind },
                { header: 'STATUS', value: (j) => j.status },
                {
                  header: 'PAGES',
                  value: (j) => `${j.pagesFetched + j.pagesSkipped + j.pagesFailed}/${Math.max(j.pagesDiscovered, j.pagesFetched)}`,
                },
                { header: 'CHUNKS', value: (j) => j.chunksStored },
                { header: 'SOURCE', value: (j) => j.sourceTitle ?? j.sourceId, max: 40 },
                { header: 'CREATED', value: (j) => j.createdAt },
              ],
              'No jobs.',
            ),
          );
        });
      },
    );
  jobs
    .command('watch')
    .description("Follow a job's progress until it ends (Ctrl-C stops following; the job goes on)")
    .argument('<id>', 'the job id', uuid)
    .action(async (id: string, _o: unknown, command: Command) => {
      await withArchon(command, { runJobs: true }, async (conn, out) => {
        const followed = await followJob(conn, id, { label: 'job', out });
        out.result(followed.job, () => '');
        return followed.outcome === 'left' || followed.job.status === 'completed' ? EXIT.ok : EXIT.failure;
      });
    });
  jobs
    .command('cancel')
    .description('Cancel a job that has not ended (what it stored so far stays)')
    .argument('<id>', 'the job id', uuid)
    .action(async (id: string, _o: unknown, command: Command) => {
      await withArchon(command, {}, async (conn, out) => {
        const job = await conn.api.jobs.cancel.mutate({ id });
        out.result(job, () => `Cancelled job ${job.id} (${job.kind}).`);
      });
    });
}
