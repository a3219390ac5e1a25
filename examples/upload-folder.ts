// Uploads every file of a folder as one source and waits for it: node dist/upload-folder.js ./docs "My notes"
import fs from 'node:fs';
import path from 'node:path';
import { connect } from './connect.js';

const [folder, title] = process.argv.slice(2);
if (!folder) {
  console.error('usage: node dist/upload-folder.js <folder> [title]');
  process.exit(2);
}
const files = fs
  .readdirSync(folder, { withFileTypes: true })
  .filter((entry) => entry.isFile() && !entry.name.startsWith('.'))
  .map((entry) => path.join(folder, entry.name));
if (files.length === 0) {
  console.error(`no files in ${folder}`);
  process.exit(1);
}
const archon = connect();
// Paths are streamed from disk: a large folder does not have to fit in memory.
const job = await archon.uploadFiles(files, { title: title ?? path.basename(path.resolve(folder)), tags: ['upload-example'] });
console.log(`uploading ${files.length} file(s): job ${job.id}, source ${job.sourceId}`);

let state = await archon.jobs.get.query({ id: job.id });
while (!['completed', 'failed', 'cancelled'].includes(state.status)) {
  await new Promise((r) => setTimeout(r, 500));
  state = await archon.jobs.get.query({ id: job.id });
}
console.log(`${state.status}: ${state.pagesFetched} page(s), ${state.pagesFailed} failed, ${state.chunksStored} chunks`);
if (state.error) console.log(state.error);
await archon.close();
process.exitCode = state.status === 'completed' ? 0 : 1;
