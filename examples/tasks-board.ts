// Creates a project with a few tasks and prints the board's changes as they happen: node dist/tasks-board.js
// With --watch it keeps listening (change tasks in the dashboard and watch them arrive); otherwise it ends once its own changes are seen.
import { connect } from './connect.js';

const watch = process.argv.includes('--watch');
const archon = connect();
const project = await archon.projects.create.mutate({ title: `Example board ${new Date().toISOString().slice(0, 16)}` });
console.log(`project ${project.id}: ${project.title}`);

// The board as it stands, with the event id it was read at: the subscription continues exactly from there.
const board = await archon.tasks.board.query({ projectId: project.id });
const expected = 4; // three tasks created, one moved
let seen = 0;
const done = new Promise<void>((resolve, reject) => {
  const sub = archon.tasks.onChange.subscribe(
    { projectId: project.id, lastEventId: board.cursor },
    {
      onData: ({ id, data: event }) => {
        // Changes carry the whole task as it now is; a reordering carries the column's new order instead.
        const task = (event.payload as { task?: { title: string; status: string } }).task;
        const title = task?.title ?? event.taskId;
        const status = event.kind === 'moved' ? task?.status : undefined;
        console.log(`#${id} ${event.kind}: ${title}${status ? ` → ${status}` : ''}`);
        if (++seen >= expected && !watch) {
          sub.unsubscribe();
          resolve();
        }
      },
      onError: reject,
    },
  );
});

const titles = ['Write the README', 'Add a search page', 'Ship it'];
const created = [];
for (const title of titles) created.push(await archon.tasks.create.mutate({ projectId: project.id, title, priority: 'medium' }));
await archon.tasks.move.mutate({ id: created[0]!.id, status: 'doing' });

await done;
await archon.close();
