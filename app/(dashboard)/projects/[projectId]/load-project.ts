import { notFound } from 'next/navigation';
import { cache } from 'react';
import { isAppError } from '../../../../server/errors';
import { getRuntime } from '../../../../server/runtime/global';
import { uuidSchema } from '../../../../server/schemas/common';
import { getProject } from '../../../../server/services/projects/projects';

/** The project as the server has it now, or a 404 for an id that names none. */
export const loadProject = cache(async (raw: string) => {
  const id = uuidSchema.safeParse(raw);
  if (!id.success) notFound();
  const rt = await getRuntime();
  try {
    return await getProject(rt.database.db, id.data);
  } catch (err) {
    if (isAppError(err) && err.code === 'NOT_FOUND') notFound();
    throw err;
  }
});
