import type { z } from 'zod';
import { AppError } from '../errors';
import { CHANNELS } from '../realtime/channels';
import { openEventStream } from '../realtime/event-stream';
import type { Runtime } from '../runtime/runtime';
import {
  createDocumentSchema,
  createVersionSchema,
  getVersionSchema,
  listDocumentsSchema,
  listVersionsSchema,
  restoreVersionSchema,
  updateDocumentSchema,
} from '../schemas/documents';
import type { Dispatch } from '../schemas/job-events';
import { jobIdSchema, listJobsSchema } from '../schemas/jobs';
import { crawlInputSchema } from '../schemas/knowledge';
import { createProjectSchema, listProjectsSchema, projectIdSchema, updateProjectSchema } from '../schemas/projects';
import { listPagesSchema, readPageSchema, searchCodeInputSchema, searchInputSchema } from '../schemas/search';
import { listSourcesSchema, sourceIdInputSchema } from '../schemas/sources';
import { archiveTaskSchema, createTaskSchema, listTasksSchema, moveTaskSchema, taskIdSchema, updateTaskSchema } from '../schemas/tasks';
import { uploadInputSchema } from '../schemas/uploads';
import type { Actor } from '../services/auth/actor';
import { resolveApiKey } from '../services/auth/api-keys';
import { type Access, authorize } from '../services/auth/authorize';
import { type CallerRule, callerLimits, limitCaller } from '../services/auth/limit-caller';
import { actorId, type Principal, SYSTEM_PRINCIPAL } from '../services/auth/principal';
import { startCrawl, startRefresh } from '../services/crawl/start-crawl';
import { cancelJob, getJob, jobEventsAfter, listJobs } from '../services/jobs/jobs';
import { listPages, readPage } from '../services/knowledge/pages';
import { deleteSource, getSource, listSources } from '../services/knowledge/sources';
import * as documents from '../services/projects/project-documents';
import * as projects from '../services/projects/projects';
import { createVersion, restoreVersion } from '../services/projects/version-actions';
import { authorOf, getVersion, listVersions } from '../services/projects/versions';
import { searchCode } from '../services/search/search-code';
import { searchKnowledge } from '../services/search/search-knowledge';
import { getHealth } from '../services/system/health';
import * as tasks from '../services/tasks/tasks';
import { inMemoryFile, startUpload } from '../services/uploads/start-upload';
import { isFinished, type JobProgress, jobProgressOf, type McpBackend } from './backend';

export type LocalBackendOptions = {
  runtime: Runtime;
  /** Who calls, from where, in which request: an API key over HTTP; the key or the system for `archon mcp`. */
  actor: Actor;
  /** 'http' for /mcp (the authorization module's rules for any HTTP request), 'internal' for stdio. */
  transport: 'http' | 'internal';
  dispatch: Dispatch;
};

/**
 * The tools' operations in process: each is authorized by the one
 * authorization module (services/auth/authorize.ts), rate-limited as its tRPC
 * procedure is, its input parsed with the procedure's own zod schema, and
 * then handed to the service. Source deletion records the actor in the audit
 * log, as over tRPC.
 */
export function createLocalBackend(opts: LocalBackendOptions): McpBackend {
  const { runtime, actor, transport, dispatch } = opts;
  const db = () => runtime.database.db;
  const allow = (access: Access, mutation: boolean) => authorize(actor.principal, access, { transport, mutation });
  const limit = (rule: CallerRule) => limitCaller(db(), callerLimits(runtime.config), rule, actor);
  const creator = () => actorId(actor.principal);
  // Versions record who made them, as through tRPC: the key's user.
  const author = () => authorOf(db(), actor.principal);
  /** A query: read access, then the parsed input. */
  const query = <S extends z.ZodType>(schema: S, input: unknown): z.output<S> => {
    allow('read', false);
    return schema.parse(input);
  };
  /** A change: write access (or more), then the parsed input. */
  const change = <S extends z.ZodType>(schema: S, input: unknown, access: Access = 'write'): z.output<S> => {
    allow(access, true);
    return schema.parse(input);
  };

  return {
    whoAmI: async () => {
      const p = allow('signed-in', false);
      return { kind: p.kind, userId: p.userId, email: p.email, role: p.role, capabilities: p.capabilities };
    },
    health: async () => {
      allow('read', false);
      return getHealth(runtime.database, runtime);
    },

    listSources: async (input) => listSources(db(), query(listSourcesSchema, input)),
    getSource: async (id) => getSource(db(), query(sourceIdInputSchema, { id }).id),
    search: async (input) => {
      const parsed = query(searchInputSchema, input);
      await limit('search');
      return searchKnowledge(runtime.search, parsed);
    },
    searchCode: async (input) => {
      const parsed = query(searchCodeInputSchema, input);
      await limit('search');
      return searchCode(runtime.search, parsed);
    },
    listPages: async (input) => listPages(db(), query(listPagesSchema, input)),
    readPage: async (input) => readPage(db(), query(readPageSchema, input)),
    crawl: async (input) => {
      const parsed = change(crawlInputSchema, input);
      await limit('crawl');
      return startCrawl(db(), dispatch, parsed, creator());
    },
    upload: async (input) => {
      const { files, ...meta } = change(uploadInputSchema, input);
      await limit('upload');
      const { UPLOAD_MAX_FILE_BYTES: maxFileBytes, UPLOAD_MAX_FILES: maxFiles } = runtime.config;
      const decoded = files.map((f) => inMemoryFile(f.name, Buffer.from(f.contentBase64, 'base64')));
      return startUpload(db(), dispatch, decoded, meta, { maxFileBytes, maxFiles }, creator());
    },
    refresh: async (sourceId) => {
      const { id } = change(sourceIdInputSchema, { id: sourceId });
      await limit('crawl');
      return startRefresh(db(), dispatch, id, creator());
    },
    // Admin, unlike tRPC's write: an assistant deleting a whole source is the one change that cannot be undone from the board.
    deleteSource: async (sourceId) => deleteSource(db(), dispatch, change(sourceIdInputSchema, { id: sourceId }, 'admin').id, actor),

    getJob: async (input) => getJob(db(), query(jobIdSchema, input).id),
    listJobs: async (input) => listJobs(db(), query(listJobsSchema, input)),
    cancelJob: async (input) => cancelJob(db(), dispatch, change(jobIdSchema, input).id),
    watchJob: (jobId, signal) => watchJobEvents(runtime, query(jobIdSchema, { id: jobId }).id, signal),

    listProjects: async (input) => projects.listProjects(db(), query(listProjectsSchema, input)),
    getProject: async (id) => projects.getProject(db(), query(projectIdSchema, { id }).id),
    createProject: async (input) => projects.createProject(db(), change(createProjectSchema, input), await author()),
    updateProject: async (input) => projects.updateProject(db(), change(updateProjectSchema, input), await author()),
    deleteProject: async (id) => projects.deleteProject(db(), change(projectIdSchema, { id }).id),
    getProjectFeatures: async (id) => projects.getProjectFeatures(db(), query(projectIdSchema, { id }).id),

    listTasks: async (input) => tasks.listTasks(db(), query(listTasksSchema, input)),
    getTask: async (id) => tasks.getTask(db(), query(taskIdSchema, { id }).id),
    createTask: async (input, place) => {
      const parsed = change(createTaskSchema, input);
      return tasks.createTask(db(), parsed, place && moveTaskSchema.pick({ afterId: true, beforeId: true }).parse(place));
    },
    updateTask: async (input) => tasks.updateTask(db(), change(updateTaskSchema, input)),
    moveTask: async (input) => tasks.moveTask(db(), change(moveTaskSchema, input)),
    editTask: async (input) => {
      const { id, expectedVersion } = change(moveTaskSchema.pick({ id: true, expectedVersion: true }), input);
      let changes: tasks.EditTaskInput['changes'];
      if (input.changes) {
        const { id: _id, expectedVersion: _v, status: _s, ...fields } = updateTaskSchema.parse({ id, ...input.changes });
        changes = fields;
      }
      const move = input.move && moveTaskSchema.pick({ status: true, afterId: true, beforeId: true }).parse(input.move);
      return tasks.editTask(db(), { id, expectedVersion, changes, move });
    },
    archiveTask: async (input) => tasks.archiveTask(db(), change(archiveTaskSchema, input)),

    listDocuments: async (input) => documents.listDocuments(db(), query(listDocumentsSchema, input)),
    getDocument: async (id) => documents.getDocument(db(), query(projectIdSchema, { id }).id),
    createDocument: async (input) => documents.createDocument(db(), change(createDocumentSchema, input), await author()),
    updateDocument: async (input) => documents.updateDocument(db(), change(updateDocumentSchema, input), await author()),
    deleteDocument: async (id) => documents.deleteDocument(db(), change(projectIdSchema, { id }).id),

    listVersions: async (input) => listVersions(db(), query(listVersionsSchema, input)),
    getVersion: async (input) => getVersion(db(), query(getVersionSchema, input)),
    createVersion: async (input) => {
      const parsed = change(createVersionSchema, input);
      return createVersion(db(), { ...parsed, createdBy: (await author()) ?? parsed.createdBy });
    },
    restoreVersion: async (input) => {
      const parsed = change(restoreVersionSchema, input);
      return restoreVersion(db(), { ...parsed, restoredBy: (await author()) ?? parsed.restoredBy });
    },
  };
}

/**
 * The tools' operations acting as an API key that is looked up again for
 * every call (`archon mcp` on the local database with ARCHON_API_KEY): a key
 * revoked or expired meanwhile, a disabled user or a changed role takes
 * effect on the next call, as over HTTP, where every request carries its key.
 * The lookup is one indexed read, as an HTTP request's is.
 */
export function createKeyBackend(opts: Omit<LocalBackendOptions, 'actor'> & { apiKey: string }): McpBackend {
  const current = async (): Promise<McpBackend> => {
    const principal: Principal | null = await resolveApiKey(opts.runtime.database.db, opts.apiKey);
    if (!principal)
      throw new AppError(
        'UNAUTHORIZED',
        'ARCHON_API_KEY no longer works: it was revoked or has expired, or its user was disabled. Restart archon mcp with a valid key (or without one, to act as the local owner).',
      );
    return createLocalBackend({ ...opts, actor: { principal, ip: null } });
  };
  // The operations' names, from a backend that is never called.
  const operations = Object.keys(createLocalBackend({ ...opts, actor: { principal: SYSTEM_PRINCIPAL, ip: null } })) as (keyof McpBackend)[];
  const backend: Record<string, unknown> = {};
  for (const name of operations) {
    backend[name] =
      name === 'watchJob'
        ? async function* (jobId: string, signal: AbortSignal) {
            yield* (await current()).watchJob(jobId, signal);
          }
        : async (...args: unknown[]) => ((await current())[name] as (...a: unknown[]) => Promise<unknown>)(...args);
  }
  return backend as McpBackend;
}

/**
 * A job's states from the jobs event stream (NOTIFY plus the job_events
 * table, as `jobs.onProgress` reads them), so a job run by any process is
 * followed, and none of its events is missed between reading and listening.
 */
async function* watchJobEvents(runtime: Runtime, jobId: string, signal: AbortSignal): AsyncGenerator<JobProgress> {
  const db = runtime.database.db;
  const job = jobProgressOf(await getJob(db, jobId));
  if (isFinished(job.status)) {
    yield job;
    return;
  }
  const stream = await openEventStream({
    pubsub: runtime.pubsub,
    channel: CHANNELS.jobs,
    key: jobId,
    initialCursor: async () => 0,
    fetchAfter: (cursor, limit) => jobEventsAfter(db, jobId, cursor, limit),
    signal,
  });
  for await (const [, event] of stream) {
    if (event.kind !== 'status' && event.kind !== 'progress') continue;
    const state = jobProgressOf(event.payload as Parameters<typeof jobProgressOf>[0]);
    yield state;
    if (isFinished(state.status)) return;
  }
}
