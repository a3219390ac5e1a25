import {
  createProjectSchema,
  linkSourceSchema,
  listProjectsSchema,
  projectIdSchema,
  unlinkSourceSchema,
  updateProjectSchema,
} from '../schemas/projects';
import * as projects from '../services/projects/projects';
import { authorOf } from '../services/projects/versions';
import { readProcedure, router, writeProcedure } from '../trpc/init';

export const projectsRouter = router({
  list: readProcedure.input(listProjectsSchema).query(({ ctx, input }) => projects.listProjects(ctx.db, input)),
  /** The dashboard's list: each project with its task counts per status, documents and last activity. */
  summaries: readProcedure.input(listProjectsSchema).query(({ ctx, input }) => projects.listProjectSummaries(ctx.db, input)),
  summary: readProcedure.input(projectIdSchema).query(({ ctx, input }) => projects.getProjectSummary(ctx.db, input.id)),
  byId: readProcedure.input(projectIdSchema).query(({ ctx, input }) => projects.getProject(ctx.db, input.id)),
  create: writeProcedure
    .input(createProjectSchema)
    .mutation(async ({ ctx, input }) => projects.createProject(ctx.db, input, await authorOf(ctx.db, ctx.actor.principal))),
  update: writeProcedure
    .input(updateProjectSchema)
    .mutation(async ({ ctx, input }) => projects.updateProject(ctx.db, input, await authorOf(ctx.db, ctx.actor.principal))),
  delete: writeProcedure.input(projectIdSchema).mutation(({ ctx, input }) => projects.deleteProject(ctx.db, input.id)),
  features: readProcedure.input(projectIdSchema).query(({ ctx, input }) => projects.getProjectFeatures(ctx.db, input.id)),
  sources: readProcedure.input(projectIdSchema).query(({ ctx, input }) => projects.listProjectSources(ctx.db, input.id)),
  linkSource: writeProcedure.input(linkSourceSchema).mutation(({ ctx, input }) => projects.linkSource(ctx.db, input)),
  unlinkSource: writeProcedure.input(unlinkSourceSchema).mutation(({ ctx, input }) => projects.unlinkSource(ctx.db, input)),
});
