import type { z } from 'zod';
import type { JobStatus } from '../../db/schema/jobs';
import type {
  createDocumentSchema,
  createVersionSchema,
  getVersionSchema,
  listDocumentsSchema,
  listVersionsSchema,
  restoreVersionSchema,
  updateDocumentSchema,
} from '../schemas/documents';
import type { jobIdSchema, listJobsSchema } from '../schemas/jobs';
import type { crawlInputSchema } from '../schemas/knowledge';
import type { createProjectSchema, listProjectsSchema, updateProjectSchema } from '../schemas/projects';
import type { listPagesSchema, readPageSchema, searchCodeInputSchema, searchInputSchema } from '../schemas/search';
import type { listSourcesSchema } from '../schemas/sources';
import type { archiveTaskSchema, createTaskSchema, listTasksSchema, moveTaskSchema, updateTaskSchema } from '../schemas/tasks';
import type { uploadInputSchema } from '../schemas/uploads';
import type { getJob, listJobs } from '../services/jobs/jobs';
import type { listPages, readPage } from '../services/knowledge/pages';
import type { deleteSource, getSource, listSources } from '../services/knowledge/sources';
import type { createDocument, getDocument, listDocuments, updateDocument } from '../services/projects/project-documents';
import type { createProject, getProject, getProjectFeatures, listProjects, updateProject } from '../services/projects/projects';
import type { createVersion, restoreVersion } from '../services/projects/version-actions';
import type { getVersion, listVersions } from '../services/projects/versions';
import type { searchCode } from '../services/search/search-code';
import type { SearchResult } from '../services/search/search-knowledge';
import type { Health } from '../services/system/health';
import type { archiveTask, createTask, EditTaskInput, getTask, listTasks, moveTask, TaskPlace, updateTask } from '../services/tasks/tasks';

type Out<F extends (...args: never[]) => unknown> = Awaited<ReturnType<F>>;
type In<S extends z.ZodType> = z.input<S>;

/** A job's state as its progress events carry it: counters and status, no input. */
export type JobProgress = {
  id: string;
  status: JobStatus;
  pagesDiscovered: number;
  pagesFetched: number;
  pagesSkipped: number;
  pagesFailed: number;
  chunksStored: number;
  embeddingsDone: number;
  embeddingsFailed: number;
  error: string | null;
  message?: string;
};

/** Who the tools act as: what `auth.me` answers. */
export type Identity = { kind: string; userId: string | null; email: string | null; role: string; capabilities: string[] };

/**
 * Every operation the MCP tools perform, one method each. The server runs
 * them in process (local-backend.ts: services, the authorization module and
 * rate limits, no HTTP hop); `archon mcp` against a remote Archon runs the
 * same tools over the typed tRPC client (cli/remote-backend.ts). Inputs are
 * what the tRPC procedures take and results what they return, so both
 * implementations type-check against this one contract.
 */
export type McpBackend = {
  whoAmI(): Promise<Identity>;
  health(): Promise<Health>;

  listSources(input: In<typeof listSourcesSchema>): Promise<Out<typeof listSources>>;
  getSource(id: string): Promise<Out<typeof getSource>>;
  search(input: In<typeof searchInputSchema>): Promise<SearchResult>;
  searchCode(input: In<typeof searchCodeInputSchema>): Promise<Out<typeof searchCode>>;
  listPages(input: In<typeof listPagesSchema>): Promise<Out<typeof listPages>>;
  readPage(input: In<typeof readPageSchema>): Promise<Out<typeof readPage>>;
  crawl(input: In<typeof crawlInputSchema>): Promise<Out<typeof getJob>>;
  upload(input: In<typeof uploadInputSchema>): Promise<Out<typeof getJob>>;
  refresh(sourceId: string): Promise<Out<typeof getJob>>;
  deleteSource(sourceId: string): Promise<Out<typeof deleteSource>>;

  getJob(input: In<typeof jobIdSchema>): Promise<Out<typeof getJob>>;
  listJobs(input: In<typeof listJobsSchema>): Promise<Out<typeof listJobs>>;
  cancelJob(input: In<typeof jobIdSchema>): Promise<Out<typeof getJob>>;
  /**
   * The job's state after each of its status and progress events, from its
   * first, until it has ended (the last value is its final state) or `signal`
   * aborts. Read from the jobs event stream, so it works in any process.
   */
  watchJob(jobId: string, signal: AbortSignal): AsyncIterable<JobProgress>;

  listProjects(input: In<typeof listProjectsSchema>): Promise<Out<typeof listProjects>>;
  getProject(id: string): Promise<Out<typeof getProject>>;
  createProject(input: In<typeof createProjectSchema>): Promise<Out<typeof createProject>>;
  updateProject(input: In<typeof updateProjectSchema>): Promise<Out<typeof updateProject>>;
  deleteProject(id: string): Promise<{ id: string }>;
  getProjectFeatures(id: string): Promise<Out<typeof getProjectFeatures>>;

  listTasks(input: In<typeof listTasksSchema>): Promise<Out<typeof listTasks>>;
  getTask(id: string): Promise<Out<typeof getTask>>;
  /** Creates a task, at `place` in its column when given: both or neither (a bad place writes nothing). */
  createTask(input: In<typeof createTaskSchema>, place?: TaskPlace): Promise<Out<typeof createTask>>;
  updateTask(input: In<typeof updateTaskSchema>): Promise<Out<typeof updateTask>>;
  moveTask(input: In<typeof moveTaskSchema>): Promise<Out<typeof moveTask>>;
  /** Changes fields and moves, both or neither; a bad anchor is refused by its field (afterId, beforeId). */
  editTask(input: EditTaskInput): Promise<Out<typeof updateTask>>;
  archiveTask(input: In<typeof archiveTaskSchema>): Promise<Out<typeof archiveTask>>;

  listDocuments(input: In<typeof listDocumentsSchema>): Promise<Out<typeof listDocuments>>;
  getDocument(id: string): Promise<Out<typeof getDocument>>;
  createDocument(input: In<typeof createDocumentSchema>): Promise<Out<typeof createDocument>>;
  updateDocument(input: In<typeof updateDocumentSchema>): Promise<Out<typeof updateDocument>>;
  deleteDocument(id: string): Promise<{ id: string }>;

  listVersions(input: In<typeof listVersionsSchema>): Promise<Out<typeof listVersions>>;
  getVersion(input: In<typeof getVersionSchema>): Promise<Out<typeof getVersion>>;
  createVersion(input: In<typeof createVersionSchema>): Promise<Out<typeof createVersion>>;
  restoreVersion(input: In<typeof restoreVersionSchema>): Promise<Out<typeof restoreVersion>>;
};

export const TERMINAL_JOB_STATUSES: readonly JobStatus[] = ['completed', 'failed', 'cancelled'];
export const isFinished = (status: JobStatus) => TERMINAL_JOB_STATUSES.includes(status);

/** The progress snapshot of a job row or event payload. */
export function jobProgressOf(job: Omit<JobProgress, 'message'> & { message?: unknown }): JobProgress {
  return {
    id: job.id,
    status: job.status,
    pagesDiscovered: job.pagesDiscovered,
    pagesFetched: job.pagesFetched,
    pagesSkipped: job.pagesSkipped,
    pagesFailed: job.pagesFailed,
    chunksStored: job.chunksStored,
    embeddingsDone: job.embeddingsDone,
    embeddingsFailed: job.embeddingsFailed,
    error: job.error ?? null,
    ...(typeof job.message === 'string' ? { message: job.message } : {}),
  };
}
