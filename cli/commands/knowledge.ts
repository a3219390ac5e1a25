import fs from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { type Command, Option } from 'commander';
import type { RouterInputs } from '../../packages/client/src/router';
import type { Connection, UploadPath } from '../connection';
import { describeError } from '../describe';
import { CliError, EXIT, UsageError } from '../errors';
import { each, httpUrl, integer, list } from '../options';
import { formatBytes, table } from '../output';
import { userPath } from '../paths';
import { followJob } from '../progress';
import { withArchon } from '../run';

const KNOWLEDGE_TYPES = ['technical', 'business'] as const;
const REFRESH_INTERVALS = ['off', 'hourly', 'daily', 'weekly', 'monthly'] as const;

type JobOutcome = Awaited<ReturnType<typeof followJob>>;
/** 0 when the job completed (or was left running on purpose), else 1. */
const exitOf = ({ job, outcome }: JobOutcome) => (outcome === 'left' || job.status === 'completed' ? EXIT.ok : EXIT.failure);

type CrawlOptions = {
  mode?: RouterInputs['knowledge']['crawl']['mode'];
  maxDepth?: number;
  maxPages?: number;
  include?: string[];
  exclude?: string[];
  scope?: 'prefix' | 'host' | 'domain';
  robots: boolean;
  concurrency?: number;
  delay?: number;
  timeout?: number;
  title?: string;
  type?: 'technical' | 'business';
  tag?: string[];
  refresh?: (typeof REFRESH_INTERVALS)[number];
  wait: boolean;
};

type UploadOptions = { title?: string; type?: 'technical' | 'business'; tag?: string[]; source?: string; wait: boolean };

/**
 * Files to upload: each file given, and the files of each folder given (recursively, without hidden ones), as
 * absolute paths from the user's directory, each with the name it is uploaded under: a file given by itself by its
 * own name, a folder's file by its path within that folder (api/index.md and guide/index.md are two pages, not
 * index.md and "index (2).md"). A symbolic link counts as what it points to: a folder's linked files are its files too.
 */
function filesOf(args: string[]): UploadPath[] {
  const out: UploadPath[] = [];
  // Folders already walked, by their real path: a link back up the tree must not loop.
  const walked = new Set<string>();
  const walk = (dir: string, root: string) => {
    const real = fs.realpathSync(dir);
    if (walked.has(real)) return;
    walked.add(real);
    for (const entry of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      if (entry.name.startsWith('.')) continue;
      const full = path.join(dir, entry.name);
      let kind: { isDirectory(): boolean; isFile(): boolean } = entry;
      if (entry.isSymbolicLink()) {
        try {
          kind = fs.statSync(full);
        } catch {
          throw new UsageError(`${full} is a link to nothing (${fs.readlinkSync(full)})`);
        }
      }
      if (kind.isDirectory()) walk(full, root);
      else if (kind.isFile()) out.push({ path: full, name: path.relative(root, full).split(path.sep).join('/') });
    }
  };
  for (const arg of args) {
    const full = userPath(arg);
    let stat: fs.Stats;
    try {
      stat = fs.statSync(full);
    } catch {
      throw new UsageError(`No such file or folder: ${arg}`);
    }
    if (stat.isDirectory()) walk(full, full);
    else if (stat.isFile()) out.push({ path: full, name: path.basename(full) });
    else throw new UsageError(`Not a file: ${arg}`);
  }
  if (out.length === 0) throw new UsageError(`No files to upload in ${args.join(', ')}`);
  return out;
}

export function registerKnowledge(program: Command) {
  program
    .command('crawl')
    .description('Crawl a site into the knowledge base and show its progress until it ends (Ctrl-C asks whether to cancel it)')
    .argument('<url>', 'the page to start from (http:// or https://)', httpUrl)
    .addOption(
      new Option('--mode <mode>', 'how pages are found').choices(['auto', 'single', 'recursive', 'sitemap', 'llms-txt', 'llms-full', 'text']),
    )
    .option('--max-depth <n>', 'links to follow from the start page (default 2)', integer(1, 100))
    .option('--max-pages <n>', 'pages to fetch at most (default 1000)', integer(1, 100_000))
    .option('--include <glob>', 'only URLs matching this pattern (repeatable)', each)
    .option('--exclude <glob>', 'skip URLs matching this pattern (repeatable)', each)
    .addOption(new Option('--scope <scope>', 'which links to follow (default prefix)').choices(['prefix', 'host', 'domain']))
    .option('--no-robots', 'ignore robots.txt')
    .option('--concurrency <n>', 'pages fetched at once (default 4)', integer(1, 32))
    .option('--delay <ms>', 'pause between requests (default 0)', integer(0, 60_000))
    .option('--timeout <ms>', 'time allowed per page (default 30000)', integer(1_000, 120_000))
    .option('--title <title>', "the source's title (default: the site's)")
    .addOption(new Option('--type <type>', 'knowledge type (default technical)').choices(KNOWLEDGE_TYPES))
    .option('--tag <tag>', 'tag the source (repeatable, or comma-separated)', list)
    .addOption(new Option('--refresh <interval>', 're-crawl on a schedule').choices(REFRESH_INTERVALS))
    .option('--no-wait', 'start the crawl and print its job without following it')
    .action(async (url: string, o: CrawlOptions, command: Command) => {
      await withArchon(command, { runJobs: o.wait }, async (conn, out) => {
        const job = await conn.api.knowledge.crawl.mutate({
          url,
          mode: o.mode,
          maxDepth: o.maxDepth,
          maxPages: o.maxPages,
          include: o.include,
          exclude: o.exclude,
          scope: o.scope,
          respectRobots: o.robots,
          concurrency: o.concurrency,
          delayMs: o.delay,
          timeoutMs: o.timeout,
          title: o.title,
          knowledgeType: o.type,
          tags: o.tag,
          refreshInterval: o.refresh,
        });
        if (!o.wait) {
          out.result(job, () => `Started crawl job ${job.id} for source ${job.sourceId}. Follow it with: archon jobs watch ${job.id}`);
          return;
        }
        out.say(`Crawling ${url}: job ${job.id}, source ${job.sourceId}`);
        const followed = await followJob(conn, job.id, { label: 'crawl', out, interrupt: 'ask' });
        out.result(followed.job, () => '');
        return exitOf(followed);
      });
    });

  program
    .command('upload')
    .description('Upload documents (Markdown, text, HTML, PDF, Word, …) as one source, streamed from disk, and show their progress')
    .argument('<files...>', 'files, or folders whose files are all uploaded')
    .option('--title <title>', "the source's title (default: the first file's name)")
    .addOption(new Option('--type <type>', 'knowledge type (default technical)').choices(KNOWLEDGE_TYPES))
    .option('--tag <tag>', 'tag the source (repeatable, or comma-separated)', list)
    .option('--source <id>', 'add the files to this earlier upload (a file with the same name replaces its page)')
    .option('--no-wait', 'start the upload and print its job without following it')
    .action(async (args: string[], o: UploadOptions, command: Command) => {
      const files = filesOf(args);
      await withArchon(command, { runJobs: o.wait }, async (conn, out) => {
        const job = await conn.uploadFiles(files, { title: o.title, knowledgeType: o.type, tags: o.tag, sourceId: o.source });
        if (!o.wait) {
          out.result(
            job,
            () => `Started upload job ${job.id} (${files.length} file(s)) for source ${job.sourceId}. Follow it with: archon jobs watch ${job.id}`,
          );
          return;
        }
        out.say(`Uploading ${files.length} file(s): job ${job.id}, source ${job.sourceId}`);
        const followed = await followJob(conn, job.id, { label: 'upload', out, interrupt: 'ask' });
        out.result(followed.job, () => '');
        // Each file was asked for by name: one the job could not take fails the command, so a script notices.
        const failed = followed.outcome === 'left' ? 0 : (followed.job.pagesFailed ?? 0);
        if (failed > 0 && followed.job.status === 'completed') {
          out.say(`${failed} of ${files.length} file(s) could not be uploaded (named above)`);
          return EXIT.failure;
        }
        return exitOf(followed);
      });
    });

  program
    .command('search')
    .description('Search the knowledge base')
    .argument('<query>', 'what to look for, in words')
    .option('--source <id>', 'only in this source (repeatable)', list)
    .option('--tag <tag>', 'only in sources with this tag (repeatable)', list)
    .option('--limit <n>', 'results (default 5)', integer(1, 50))
    .addOption(new Option('--mode <mode>', 'how to match (default hybrid)').choices(['hybrid', 'vector', 'fulltext']))
    .option('--chunks', 'show matching passages rather than pages')
    .option('--code', 'search code examples')
    .action(
      async (
        query: string,
        o: { source?: string[]; tag?: string[]; limit?: number; mode?: 'hybrid' | 'vector' | 'fulltext'; chunks?: boolean; code?: boolean },
        command: Command,
      ) => {
        await withArchon(command, {}, async (conn, out) => {
          const filters = { sourceIds: o.source, tags: o.tag, limit: o.limit, mode: o.mode };
          // A search in a source that does not exist says so, as the MCP tools do, rather than "No results." for a mistyped id.
          const checkSources = async (found: number) => {
            if (found === 0) for (const id of o.source ?? []) await conn.api.knowledge.source.query({ id });
          };
          if (o.code) {
            const found = await conn.api.knowledge.searchCode.query({ query, ...filters });
            await checkSources(found.results.length);
            out.result(found, () =>
              found.results.length === 0
                ? 'No code examples found.'
                : found.results
                    .map(
                      (hit, i) =>
                        `${i + 1}. ${hit.name || hit.language} (${hit.language}) — ${hit.pageTitle}\n   ${hit.url}\n${indent(hit.code, 12)}`,
                    )
                    .join('\n\n'),
            );
            return;
          }
          const found = await conn.api.knowledge.search.query({ query, ...filters, returnMode: o.chunks ? 'chunks' : 'pages' });
          await checkSources(found.results.length);
          out.result(found, () => {
            const lines =
              found.returnMode === 'pages'
                ? found.results.map(
                    (hit, i) =>
                      `${i + 1}. ${hit.title} — ${hit.sourceTitle} (${hit.score.toFixed(3)})\n   ${hit.url}\n   ${oneLine(hit.best.excerpt, 200)}`,
                  )
                : found.results.map(
                    (hit, i) =>
                      `${i + 1}. ${[hit.pageTitle, ...hit.headingPath].join(' › ')} (${hit.score.fused.toFixed(3)})\n   ${hit.url}\n   ${oneLine(hit.content, 200)}`,
                  );
            return [...(lines.length ? lines : ['No results.']), ...found.warnings.map((w) => `warning: ${w}`)].join('\n');
          });
        });
      },
    );

  const sources = program.command('sources').description('List, show, refresh and delete knowledge sources');
  sources
    .command('list', { isDefault: true })
    .description('List sources (the default)')
    .option('--query <text>', 'sources whose title or URL contains this')
    .option('--tag <tag>', 'sources with this tag (repeatable)', list)
    .option('--limit <n>', 'sources per page (default 50)', integer(1, 100))
    .option('--offset <n>', 'skip this many', integer(0, 1_000_000))
    .action(async (o: { query?: string; tag?: string[]; limit?: number; offset?: number }, command: Command) => {
      await withArchon(command, {}, async (conn, out) => {
        const page = await conn.api.knowledge.sources.query({ query: o.query, tags: o.tag, limit: o.limit ?? 50, offset: o.offset });
        out.result(page, () => {
          const rows = table(
            page.items,
            [
              { header: 'ID', value: (s) => s.id, max: 40 },
              { header: 'TITLE', value: (s) => s.title, max: 40 },
              { header: 'KIND', value: (s) => s.kind },
              { header: 'PAGES', value: (s) => s.pageCount },
              { header: 'CHUNKS', value: (s) => s.chunkCount },
              { header: 'UPDATED', value: (s) => s.lastCrawledAt ?? s.updatedAt },
            ],
            'No sources yet: add one with archon crawl <url> or archon upload <files>.',
          );
          return page.total > page.offset + page.items.length
            ? `${rows}\n(${page.items.length} of ${page.total}; --offset ${page.offset + page.items.length} for more)`
            : rows;
        });
      });
    });
  sources
    .command('show')
    .description('Show a source: its URL, counts, tags, schedule and crawl options')
    .argument('<id>', 'the source id')
    .action(async (id: string, _o: unknown, command: Command) => {
      await withArchon(command, {}, async (conn, out) => {
        const s = await conn.api.knowledge.source.query({ id });
        out.result(s, () =>
          [
            `${s.title}`,
            `  id:        ${s.id}`,
            `  kind:      ${s.kind}${s.url ? ` (${s.url})` : ''}`,
            `  type:      ${s.knowledgeType}${s.tags.length ? `, tags ${s.tags.join(', ')}` : ''}`,
            `  content:   ${s.pageCount} pages, ${s.chunkCount} chunks, ${s.codeExampleCount} code examples`,
            `  crawled:   ${s.lastCrawledAt?.toISOString() ?? 'never'}`,
            `  refresh:   ${s.refreshInterval}${s.nextRefreshAt ? `, next ${s.nextRefreshAt.toISOString()}` : ''}`,
            ...(s.summary ? [`  summary:   ${oneLine(s.summary, 300)}`] : []),
          ].join('\n'),
        );
      });
    });
  sources
    .command('refresh')
    .description('Re-crawl a source (changed pages only) and show its progress')
    .argument('<id>', 'the source id')
    .option('--no-wait', 'start the refresh and print its job without following it')
    .action(async (id: string, o: { wait: boolean }, command: Command) => {
      await withArchon(command, { runJobs: o.wait }, async (conn, out) => {
        const job = await conn.api.knowledge.refresh.mutate({ id });
        if (!o.wait) {
          out.result(job, () => `Started refresh job ${job.id}. Follow it with: archon jobs watch ${job.id}`);
          return;
        }
        out.say(`Refreshing ${id}: job ${job.id}`);
        const followed = await followJob(conn, job.id, { label: 'refresh', out, interrupt: 'ask' });
        out.result(followed.job, () => '');
        return exitOf(followed);
      });
    });
  sources
    .command('delete')
    .description('Delete a source with all its pages, chunks and code examples (asks first on a terminal)')
    .argument('<id>', 'the source id')
    .option('-y, --yes', 'do not ask (needed without a terminal)')
    .action(async (id: string, o: { yes?: boolean }, command: Command) => {
      await withArchon(command, {}, async (conn, out) => {
        if (!o.yes) {
          const s = await conn.api.knowledge.source.query({ id });
          if (!process.stdin.isTTY) throw new UsageError(`Deleting ${id} needs --yes when there is no terminal to ask on.`);
          const { createInterface } = await import('node:readline/promises');
          const rl = createInterface({ input: process.stdin, output: process.stderr });
          const answer = await rl.question(`Delete "${s.title}" (${s.pageCount} pages, ${s.chunkCount} chunks)? This cannot be undone. [y/N] `);
          rl.close();
          if (!/^y(es)?$/i.test(answer.trim())) {
            out.say('Nothing deleted.');
            return EXIT.failure;
          }
        }
        const deleted = await conn.api.knowledge.deleteSource.mutate({ id });
        out.result(deleted, () => `Deleted ${deleted.id}: ${deleted.pages} pages, ${deleted.chunks} chunks.`);
      });
    });

  program
    .command('export')
    .description('Export a source as a portable archive (gzipped JSON lines), for backups or another Archon')
    .argument('<source>', 'the source id')
    .option('-o, --output <file>', 'where to write it ("-" for stdout; default <source>.archon.jsonl.gz here)')
    .option('--no-embeddings', 'leave the vectors out (smaller; archon import starts a job that recomputes them)')
    .action(async (source: string, o: { output?: string; embeddings: boolean }, command: Command) => {
      await withArchon(command, {}, async (conn, out) => {
        const archive = await conn.exportSource(source, { embeddings: o.embeddings });
        const toStdout = o.output === '-';
        if (toStdout && out.json) throw new UsageError('--json and -o - both want stdout: write the archive to a file');
        // The name is the server's: only its last part is used, so it cannot point outside the folder it is written to.
        const name = path.basename(archive.filename);
        const target = toStdout ? null : userPath(o.output ?? name);
        // A folder given as -o gets the archive under its own name, as cp would put it.
        const file = target && fs.statSync(target, { throwIfNoEntry: false })?.isDirectory() ? path.join(target, name) : target;
        // Written beside the target and renamed at the end, so a failed export never leaves half an archive under its name.
        const partial = file ? `${file}.partial` : null;
        try {
          await pipeline(
            Readable.fromWeb(archive.stream as import('node:stream/web').ReadableStream),
            partial ? fs.createWriteStream(partial) : process.stdout,
          );
        } catch (err) {
          if (partial) fs.rmSync(partial, { force: true });
          throw new CliError(`Export of ${source} failed part-way: ${(err as Error).message}`);
        }
        if (!file || !partial) return;
        try {
          fs.renameSync(partial, file);
        } catch (err) {
          fs.rmSync(partial, { force: true });
          throw new CliError(`Could not write ${file}: ${(err as Error).message}`);
        }
        const bytes = fs.statSync(file).size;
        out.result({ sourceId: source, file, bytes }, () => `Exported ${source} to ${file} (${formatBytes(bytes)}).`);
      });
    });

  program
    .command('import')
    .description('Import a source archive made by archon export (or the dashboard)')
    .argument('<file>', 'the archive (.archon.jsonl.gz)')
    .addOption(
      new Option('--on-conflict <mode>', 'when its source exists: error (refuse), replace its content, or copy (import beside it under a new id)')
        .choices(['error', 'replace', 'copy'])
        .default('error'),
    )
    .action(async (file: string, o: { onConflict: 'error' | 'replace' | 'copy' }, command: Command) => {
      const full = userPath(file);
      if (!fs.existsSync(full) || !fs.statSync(full).isFile()) throw new UsageError(`No such file: ${file}`);
      await withArchon(command, {}, async (conn, out) => {
        const result = await conn.importSource(full, o.onConflict).catch((err: unknown) => {
          const e = describeError(err, { where: conn.where, mode: conn.mode });
          // The server words it for its query parameter; here it is an option.
          if (e instanceof CliError && e.code === 'CONFLICT')
            throw new CliError(e.message.replace(/onConflict '(\w+)'/g, '--on-conflict $1').replace(/ or '(\w+)'/, ' or $1'), e.code);
          throw e;
        });
        // Rows without a vector (an archive made with --no-embeddings, or by another model) stay out of vector search until embedded.
        const reembed = result.embeddingsMissing ? await reembedMissing(conn) : null;
        out.result(reembed ? { ...result, reembed } : result, () => {
          const how = result.copied ? ' (as a copy under a new id)' : '';
          const missing = !reembed
            ? ''
            : ` ${result.embeddingsMissing} chunks and code examples have no vector for this model yet: ${
                reembed.error
                  ? `re-embedding could not start (${reembed.error}).`
                  : reembed.started
                    ? `re-embedding job ${reembed.jobId} fills them in (archon jobs watch ${reembed.jobId}).`
                    : 'the re-embedding job already running fills them in.'
              }`;
          return `Imported ${result.sourceId}${how}: ${result.pages} pages, ${result.chunks} chunks, ${result.codeExamples} code examples.${missing}`;
        });
      });
    });
}

/**
 * Starts the re-embedding job that fills in the vectors an import left out. One already running takes them
 * too (it works until no row is missing one). The import itself has succeeded either way: a failure here is said, not thrown.
 */
async function reembedMissing(conn: Connection): Promise<{ started: boolean; jobId: string | null; error?: string }> {
  try {
    const job = await conn.api.knowledge.reembed.mutate();
    return { started: true, jobId: job.id };
  } catch (err) {
    const e = describeError(err, { where: conn.where, mode: conn.mode });
    if (e instanceof CliError && e.code === 'CONFLICT') return { started: false, jobId: /\(job ([0-9a-f-]{36})\)/.exec(e.message)?.[1] ?? null };
    return { started: false, jobId: null, error: e.message };
  }
}

const oneLine = (text: string, max: number) => {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
};

const indent = (code: string, maxLines: number) => {
  const lines = code.split('\n');
  const shown = lines.slice(0, maxLines).map((l) => `   | ${l}`);
  return lines.length > maxLines ? [...shown, `   | … ${lines.length - maxLines} more lines`].join('\n') : shown.join('\n');
};
