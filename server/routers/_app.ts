import type { inferRouterInputs, inferRouterOutputs } from '@trpc/server';
import { createCallerFactory, router } from '../trpc/init';
import { authRouter } from './auth';
import { documentsRouter } from './documents';
import { jobsRouter } from './jobs';
import { knowledgeRouter } from './knowledge';
import { projectsRouter } from './projects';
import { settingsRouter } from './settings';
import { systemRouter } from './system';
import { tasksRouter } from './tasks';
import { usersRouter } from './users';
import { versionsRouter } from './versions';

export const appRouter = router({
  system: systemRouter,
  auth: authRouter,
  users: usersRouter,
  settings: settingsRouter,
  projects: projectsRouter,
  documents: documentsRouter,
  versions: versionsRouter,
  tasks: tasksRouter,
  knowledge: knowledgeRouter,
  jobs: jobsRouter,
});

export type AppRouter = typeof appRouter;
export type RouterInputs = inferRouterInputs<AppRouter>;
export type RouterOutputs = inferRouterOutputs<AppRouter>;
export const createCaller = createCallerFactory(appRouter);
